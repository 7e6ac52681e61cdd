//! A vector-quantisation codebook updated by exponential moving averages (VQ-VAE, van den Oord
//! et al. 2017, appendix A.1): with one-hot assignments A (N×K) of the inputs z (N×D),
//! N_k ← γ·N_k + (1 − γ)·Σ_n A_nk, m_k ← γ·m_k + (1 − γ)·Σ_n A_nk z_n, and e_k = m_k / Ñ_k,
//! where Ñ_k are the counts with Laplace smoothing (N_k + ε)/(ΣN + K·ε)·ΣN. The codebook is
//! not trained by gradients; the encoder gets the commitment loss β·‖z − sg(e)‖².

use tch::{nn, Kind, Tensor};

/// The codebook: `<path>.embed` (K×D), `<path>.cluster_size` (K), `<path>.embed_sum` (K×D),
/// all non-trainable variables.
#[derive(Debug)]
pub struct EmaCodebook {
    embed: Tensor,
    cluster_size: Tensor,
    embed_sum: Tensor,
    /// Decay γ.
    pub decay: f64,
    /// Laplace smoothing ε.
    pub eps: f64,
}

impl EmaCodebook {
    /// K codes of dimension D under `path`, initialised N(0, 1) from LibTorch's generator,
    /// with decay γ (0.99 in the paper) and ε = 1e-5.
    pub fn new(path: &nn::Path, k: i64, d: i64, decay: f64) -> Self {
        let embed = path.zeros_no_train("embed", &[k, d]);
        let embed_sum = path.zeros_no_train("embed_sum", &[k, d]);
        let cluster_size = path.zeros_no_train("cluster_size", &[k]);
        tch::no_grad(|| {
            let init = Tensor::randn([k, d], (Kind::Float, embed.device()));
            embed.shallow_clone().copy_(&init);
            embed_sum.shallow_clone().copy_(&init);
            let _ = cluster_size.shallow_clone().fill_(1.0);
        });
        Self {
            embed,
            cluster_size,
            embed_sum,
            decay,
            eps: 1e-5,
        }
    }

    /// The codes (K×D).
    pub fn codes(&self) -> &Tensor {
        &self.embed
    }

    /// Index of the nearest code (squared Euclidean distance) of each row of `z` (N×D).
    pub fn nearest(&self, z: &Tensor) -> Tensor {
        let d = z
            .square()
            .sum_dim_intlist([1i64].as_slice(), true, Kind::Float)
            - z.matmul(&self.embed.tr()) * 2.0
            + self
                .embed
                .square()
                .sum_dim_intlist([1i64].as_slice(), false, Kind::Float)
                .unsqueeze(0);
        d.argmin(1, false)
    }

    /// Quantises `z` (N×D): (codes of the nearest entries with a straight-through gradient to
    /// z, their indices, the commitment loss ‖z − sg(e)‖² (mean)).
    pub fn quantize(&self, z: &Tensor) -> (Tensor, Tensor, Tensor) {
        let idx = self.nearest(&z.detach());
        let q = self.embed.index_select(0, &idx);
        let commit = z.mse_loss(&q.detach(), tch::Reduction::Mean);
        let st = crate::estimators::straight_through::straight_through(z, &q);
        (st, idx, commit)
    }

    /// One EMA update from inputs `z` (N×D) and their code indices `idx` (N).
    pub fn update(&mut self, z: &Tensor, idx: &Tensor) {
        let k = self.embed.size()[0];
        tch::no_grad(|| {
            let a = idx.one_hot(k).to_kind(Kind::Float);
            let n = a.sum_dim_intlist([0i64].as_slice(), false, Kind::Float);
            let s = a.tr().matmul(&z.detach().to_kind(Kind::Float));
            let g = self.decay;
            let _ = self.cluster_size.g_mul_scalar_(g).g_add_(&(n * (1.0 - g)));
            let _ = self.embed_sum.g_mul_scalar_(g).g_add_(&(s * (1.0 - g)));
            let total = self.cluster_size.sum(Kind::Float);
            let smoothed =
                (&self.cluster_size + self.eps) / (&total + k as f64 * self.eps) * &total;
            let e = &self.embed_sum / smoothed.unsqueeze(1);
            self.embed.copy_(&e);
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_move_to_the_cluster_means_and_quantisation_is_straight_through() {
        tch::manual_seed(5);
        let vs = nn::VarStore::new(tch::Device::Cpu);
        let mut cb = EmaCodebook::new(&vs.root(), 2, 2, 0.8);
        let c = Tensor::from_slice(&[3.0f32, 3.0, -3.0, -1.0]).view([2, 2]);
        for _ in 0..60 {
            let z =
                c.repeat([32, 1]) + Tensor::randn([64, 2], (Kind::Float, tch::Device::Cpu)) * 0.1;
            let idx = cb.nearest(&z);
            cb.update(&z, &idx);
        }
        // Each cluster has its own code, at the cluster mean.
        let d = cb.codes().unsqueeze(1) - c.unsqueeze(0);
        let dist = d
            .square()
            .sum_dim_intlist([2i64].as_slice(), false, Kind::Float);
        let best = dist.min_dim(0, false).0;
        assert!(best.max().double_value(&[]) < 0.05, "{}", cb.codes());
        let z = c.shallow_clone().set_requires_grad(true);
        let (q, idx, commit) = cb.quantize(&z);
        assert_ne!(idx.int64_value(&[0]), idx.int64_value(&[1]));
        assert!(commit.double_value(&[]) < 0.05);
        q.sum(Kind::Float).backward();
        assert_eq!(
            Vec::<f32>::try_from(z.grad().flatten(0, -1)).unwrap(),
            vec![1.0; 4]
        );
        assert!(vs.trainable_variables().is_empty());
    }
}
