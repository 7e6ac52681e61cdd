//! 5G NR LDPC (3GPP TS 38.212): base graphs, encoding, rate matching, min-sum and BP decoding
