//! Pretrained helper networks: ESPNet, YOLOv5n, SpyNet-style flow, LPIPS, FID/Inception
