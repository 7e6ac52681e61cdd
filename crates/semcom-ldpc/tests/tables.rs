//! The base graph tables lift to exactly the parity-check matrices of ldpc-toolbox
//! (TS 38.212 Tables 5.3.2-2/3) for all 51 lifting sizes.

use clap::ValueEnum;
use ldpc_toolbox::codes::nr5g;
use semcom_ldpc::{BaseGraph, QcMatrix, LIFTING_SIZES};
use std::collections::BTreeSet;

#[test]
fn lifted_matrices_match_ldpc_toolbox_for_all_lifting_sizes() {
    for (bg, theirs) in [
        (BaseGraph::Bg1, nr5g::BaseGraph::BG1),
        (BaseGraph::Bg2, nr5g::BaseGraph::BG2),
    ] {
        for &z in &LIFTING_SIZES {
            // (look up by value: ldpc-toolbox 0.12 names Z208 "204" in its clap value names)
            let ls = *nr5g::LiftingSize::value_variants()
                .iter()
                .find(|l| usize::from(**l) == z)
                .unwrap();
            let h_ref = theirs.h(ls);
            let expected: BTreeSet<(usize, usize)> = h_ref.iter_all().collect();
            let h = QcMatrix::new(bg, z).unwrap();
            let mut mine = BTreeSet::new();
            for (j, row) in h.rows.iter().enumerate() {
                for c in row {
                    for r in 0..z {
                        mine.insert((z * j + r, z * c.col + (r + c.shift) % z));
                    }
                }
            }
            assert_eq!(mine, expected, "{bg:?} Z={z}");
        }
    }
    assert_eq!(QcMatrix::new(BaseGraph::Bg1, 384).unwrap().edges(46), 316);
    assert_eq!(QcMatrix::new(BaseGraph::Bg2, 384).unwrap().edges(42), 197);
    assert!(QcMatrix::new(BaseGraph::Bg1, 17).is_err());
}
