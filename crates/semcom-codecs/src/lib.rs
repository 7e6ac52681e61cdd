//! Classical image and video codecs (JPEG, JPEG2000, WebP, AVIF, H.264, HEVC-intra) behind one interface
