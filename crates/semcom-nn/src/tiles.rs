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
    }
}
