//! The tile grid shared by the tiled image coders (deep JSCC, MLSC): an image is cut into
//! raster-order tiles of one side, the last column and row holding the remainders, and tiles of
//! one size are run as one batch.

/// One tile: left, top, width, height (pixels of the padded image).
pub type Tile = (usize, usize, usize, usize);

/// The raster-order tiles of side `side` over a `w`×`h` image; the last column and row hold
/// the remainders.
pub fn grid(w: usize, h: usize, side: usize) -> Vec<Tile> {
    let mut v = Vec::new();
    for y0 in (0..h).step_by(side) {
        for x0 in (0..w).step_by(side) {
            v.push((x0, y0, side.min(w - x0), side.min(h - y0)));
        }
    }
    v
}

/// Indices of the tiles grouped by size (so each group is one batch), in first-seen order.
pub fn groups(tiles: &[Tile]) -> Vec<Vec<usize>> {
    let mut g: Vec<((usize, usize), Vec<usize>)> = Vec::new();
    for (i, t) in tiles.iter().enumerate() {
        match g.iter_mut().find(|(s, _)| *s == (t.2, t.3)) {
            Some((_, v)) => v.push(i),
            None => g.push(((t.2, t.3), vec![i])),
        }
    }
    g.into_iter().map(|(_, v)| v).collect()
}

/// Writes a batch of decoded 3-channel tiles (planar, one after the other in `px`) of the
/// tiles `group`, all of one size (a group of [`groups`]), into the planar `w`×`h` RGB `canvas`.
pub fn paste(canvas: &mut [f32], w: usize, h: usize, tiles: &[Tile], group: &[usize], px: &[f32]) {
    for (j, &i) in group.iter().enumerate() {
        let (x0, y0, tw, th) = tiles[i];
        let t = &px[j * 3 * tw * th..(j + 1) * 3 * tw * th];
        for ch in 0..3 {
            for r in 0..th {
                let src = &t[(ch * th + r) * tw..(ch * th + r + 1) * tw];
                let dst = (ch * h + y0 + r) * w + x0;
                canvas[dst..dst + tw].copy_from_slice(src);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remainders_in_the_last_row_and_column_and_groups_by_size() {
        let t = grid(10, 6, 4);
        assert_eq!(
            t,
            [
                (0, 0, 4, 4),
                (4, 0, 4, 4),
                (8, 0, 2, 4),
                (0, 4, 4, 2),
                (4, 4, 4, 2),
                (8, 4, 2, 2)
            ]
        );
        assert_eq!(groups(&t), [vec![0, 1], vec![2], vec![3, 4], vec![5]]);
        // Pasting the group of 4×2 tiles 3 and 4 fills exactly their pixels in every plane.
        let mut canvas = vec![0.0; 3 * 10 * 6];
        let px: Vec<f32> = (0..2 * 3 * 4 * 2).map(|v| v as f32 + 1.0).collect();
        paste(&mut canvas, 10, 6, &t, &[3, 4], &px);
        assert_eq!(canvas.iter().filter(|v| **v > 0.0).count(), px.len());
        assert_eq!(
            (canvas[4 * 10], canvas[4 * 10 + 3], canvas[5 * 10]),
            (1.0, 4.0, 5.0)
        );
        assert_eq!(
            canvas[4 * 10 + 4],
            25.0,
            "tile 4 starts after tile 3's 24 values"
        );
        assert_eq!(canvas[(2 * 6 + 5) * 10 + 7], 48.0);
    }
}
