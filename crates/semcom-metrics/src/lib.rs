//! Quality and task metrics: PSNR, SSIM, MS-SSIM, masked metrics, mIoU, AP, Frechet distance
