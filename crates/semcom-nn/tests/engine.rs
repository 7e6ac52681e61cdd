//! Behaviour of the training engine: learning, several optimisers (a GAN), REINFORCE, exact
//! resume, checkpoint validation.

use semcom_nn::channel::ChannelSpec;
use semcom_nn::data::{Augment, ImageSet, Sample};
use semcom_nn::deepjscc::{DeepJscc, DeepJsccConfig};
use semcom_nn::deepjscc_train::DeepJsccTrainer;
use semcom_nn::estimators::reinforce::{reinforce_loss, Baseline};
use semcom_nn::optim::{OptimSpec, Schedule};
use semcom_nn::train::{
    evaluate, train, Model, ParamGroup, Stage, StageOptimizer, StepCtx, Terms, TrainOptions,
};
use std::path::PathBuf;
use tch::nn::{self, Module};
use tch::{Device, Kind, Tensor};

/// LibTorch's random generator (`tch::manual_seed`) is process-global: tests that seed it and
/// draw from it must not run concurrently, or their draws interleave and results change.
static TORCH_RNG: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn torch_rng() -> std::sync::MutexGuard<'static, ()> {
    TORCH_RNG.lock().unwrap_or_else(|e| e.into_inner())
}

fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("semcom-nn-test-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Smooth synthetic 16×16 images: colour gradients with a random phase.
fn synthetic(n: usize, size: usize) -> ImageSet {
    let samples = (0..n)
        .map(|i| {
            let mut rgb = vec![0u8; size * size * 3];
            for y in 0..size {
                for x in 0..size {
                    for c in 0..3 {
                        let v = 0.5
                            + 0.4
                                * (((x + 2 * c + i) as f32) * 0.4).sin()
                                * (((y + i * 3) as f32) * 0.3 + c as f32).cos();
                        rgb[(y * size + x) * 3 + c] = (v * 255.0) as u8;
                    }
                }
            }
            Sample {
                width: size,
                height: size,
                rgb,
                label_map: None,
                class: None,
            }
        })
        .collect();
    ImageSet {
        samples,
        paths: vec![],
        classes: vec![],
    }
}

fn tiny() -> DeepJsccConfig {
    DeepJsccConfig {
        c: 4,
        widths: vec![6, 6, 6, 6],
        kernel: 3,
    }
}

fn model(seed: i64) -> DeepJscc {
    tch::manual_seed(seed);
    DeepJscc::new(&tiny(), Device::Cpu).unwrap()
}

fn trainer(m: DeepJscc, data: &ImageSet, aug: Augment, ch: ChannelSpec) -> DeepJsccTrainer {
    DeepJsccTrainer::new(m, data.clone(), None, 8, aug, ch).unwrap()
}

fn stages(steps: [u64; 2]) -> Vec<Stage> {
    let mut b = Stage::simple(
        "b",
        steps[1],
        OptimSpec::sgd(1e-2, 0.9),
        Schedule::Step {
            every: 3,
            gamma: 0.5,
        },
    );
    b.freeze = vec!["enc.".into()];
    b.model = toml::from_str("loss = \"l1\"").unwrap();
    vec![
        Stage::simple("a", steps[0], OptimSpec::adam(3e-3), Schedule::Constant),
        b,
    ]
}

fn same_vars(a: &nn::VarStore, b: &nn::VarStore) {
    let (va, vb) = (a.variables(), b.variables());
    assert_eq!(va.len(), vb.len());
    for (name, t) in &va {
        assert!(t.equal(&vb[name]), "variable {name} differs after resume");
    }
}

#[test]
fn tiny_model_learns() {
    let _rng = torch_rng();
    tch::set_num_threads(1);
    let data = synthetic(64, 16);
    let ch = ChannelSpec::Awgn {
        snr_db: 20.0,
        snr_db_max: None,
    };
    let mut t = trainer(model(3), &data, Augment::default(), ch.clone());
    let before = evaluate(&t.model, &data, &ch, 1, 64).unwrap();
    let opts = TrainOptions {
        seed: 5,
        ..Default::default()
    };
    let st = vec![Stage {
        steps: 60,
        ..stages([60, 0])[0].clone()
    }];
    let r = train(&mut t, &st, &opts).unwrap();
    let after = evaluate(&t.model, &data, &ch, 1, 64).unwrap();
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
    assert_eq!(r.step, 60);
    assert!(r.losses.contains_key("mse"), "{:?}", r.losses);
    assert!(
        mean(&after) > mean(&before) + 2.0,
        "PSNR {} -> {}",
        mean(&before),
        mean(&after)
    );
}

#[test]
fn deepjscc_resume_is_bit_identical() {
    let _rng = torch_rng();
    tch::set_num_threads(1);
    let data = synthetic(40, 16);
    let dir = tmp("resume");
    let st = stages([12, 8]);
    let aug = Augment {
        crop: Some((12, 12)),
        flip: true,
    };
    let ch = ChannelSpec::Awgn {
        snr_db: 5.0,
        snr_db_max: Some(15.0),
    };
    let base = TrainOptions {
        seed: 9,
        ..Default::default()
    };
    // Uninterrupted run.
    let mut a = trainer(model(1), &data, aug, ch.clone());
    train(&mut a, &st, &base).unwrap();
    // Interrupted at step 7 (mid stage 0), resumed into a model with different initial weights,
    // interrupted again at 15 (mid stage 1, frozen encoder, L1) and resumed to the end.
    let ck = dir.join("ck.safetensors");
    let with = |stop: Option<u64>, resume: bool| TrainOptions {
        checkpoint: Some(ck.clone()),
        resume,
        stop_at: stop,
        ..base.clone()
    };
    let mut b = trainer(model(1), &data, aug, ch.clone());
    assert_eq!(train(&mut b, &st, &with(Some(7), false)).unwrap().step, 7);
    let mut c = trainer(model(77), &data, aug, ch.clone());
    let r = train(&mut c, &st, &with(Some(15), true)).unwrap();
    assert_eq!((r.start_step, r.step), (7, 15));
    assert!(r.losses.contains_key("l1"), "{:?}", r.losses);
    let mut d = trainer(model(78), &data, aug, ch.clone());
    assert_eq!(train(&mut d, &st, &with(None, true)).unwrap().step, 20);
    same_vars(&a.model.vs, &d.model.vs);
    // A different seed cannot resume the checkpoint.
    let e = train(
        &mut d,
        &st,
        &TrainOptions {
            seed: 10,
            ..with(None, true)
        },
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("seed 9"), "{e}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// A 1-D GAN: the generator x = a·z + b (z ~ N(0, 1)) against a small MLP discriminator on
/// real data N(3, 0.5²); groups `generator` (`g.`) and `discriminator` (`d.`).
struct Gan {
    vs: nn::VarStore,
    g: nn::Linear,
    d: nn::Sequential,
}

impl Gan {
    fn new(seed: i64) -> Self {
        tch::manual_seed(seed);
        let vs = nn::VarStore::new(Device::Cpu);
        let g = nn::linear(vs.root() / "g", 1, 1, Default::default());
        let p = vs.root() / "d";
        let d = nn::seq()
            .add(nn::linear(&p / "l1", 1, 16, Default::default()))
            .add_fn(|x| x.leaky_relu())
            .add(nn::linear(&p / "l2", 16, 1, Default::default()));
        Self { vs, g, d }
    }
    fn bce(logits: &Tensor, target: f64) -> Tensor {
        logits.binary_cross_entropy_with_logits::<Tensor>(
            &logits.full_like(target),
            None,
            None,
            tch::Reduction::Mean,
        )
    }
    fn fake_mean(&self) -> f64 {
        tch::no_grad(|| {
            self.g
                .forward(&Tensor::zeros([1, 1], (Kind::Float, Device::Cpu)))
        })
        .double_value(&[0, 0])
    }
}

impl Model for Gan {
    fn var_store(&self) -> &nn::VarStore {
        &self.vs
    }
    fn groups(&self) -> Vec<ParamGroup> {
        vec![
            ParamGroup::new("generator", &["g."]),
            ParamGroup::new("discriminator", &["d."]),
        ]
    }
    fn step(&mut self, ctx: &mut StepCtx) -> semcom_nn::Result<Terms> {
        let opts = (Kind::Float, Device::Cpu);
        let z = Tensor::randn([64, 1], opts);
        let fake = self.g.forward(&z);
        Ok(match ctx.group {
            "discriminator" => {
                let real = Tensor::randn([64, 1], opts) * 0.5 + 3.0;
                let d = Self::bce(&self.d.forward(&real), 1.0)
                    + Self::bce(&self.d.forward(&fake.detach()), 0.0);
                Terms::one("d", d)
            }
            _ => Terms::one("g", Self::bce(&self.d.forward(&fake), 1.0)),
        })
    }
}

fn gan_stages() -> Vec<Stage> {
    let opt = |group: &str, lr: f64, schedule| StageOptimizer {
        name: None,
        group: group.into(),
        optimizer: OptimSpec {
            beta1: 0.5,
            ..OptimSpec::adam(lr)
        },
        schedule,
        every: 1,
    };
    let mut s = Stage::simple("gan", 40, OptimSpec::adam(1.0), Schedule::Constant);
    s.optimizer = None;
    s.optimizers = vec![
        opt("discriminator", 2e-2, Schedule::Constant),
        opt(
            "generator",
            5e-2,
            Schedule::Linear {
                final_lr: 1e-2,
                warmup: 0,
            },
        ),
    ];
    let mut s2 = s.clone();
    s2.name = "gan-2".into();
    s2.steps = 10;
    s2.optimizers[1].every = 2;
    s2.optimizers[1].schedule = Schedule::Cosine {
        min_lr: 0.0,
        warmup: 2,
    };
    vec![s, s2]
}

#[test]
fn two_optimizer_gan_trains_logs_both_losses_and_resumes_bit_identically() {
    let _rng = torch_rng();
    tch::set_num_threads(1);
    let dir = tmp("gan");
    let st = gan_stages();
    let log = dir.join("log.csv");
    let mut a = Gan::new(4);
    let start = a.fake_mean();
    let r = train(
        &mut a,
        &st,
        &TrainOptions {
            seed: 3,
            eval_every: 10,
            log_csv: Some(log.clone()),
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(r.step, 50);
    for k in ["discriminator.d", "generator.g"] {
        assert!(r.losses[k].is_finite(), "{k}: {:?}", r.losses);
    }
    let csv = std::fs::read_to_string(&log).unwrap();
    for k in [
        "discriminator.d",
        "generator.g",
        "lr.discriminator",
        "lr.generator",
    ] {
        assert_eq!(
            csv.lines()
                .filter(|l| l.split(',').nth(2) == Some(k))
                .count(),
            5,
            "{k} in\n{csv}"
        );
    }
    let end = a.fake_mean();
    eprintln!("generator mean {start:.3} -> {end:.3} (real 3)");
    assert!(
        (end - 3.0).abs() < 0.5 * (start - 3.0).abs(),
        "generator mean {start} -> {end}"
    );
    // Killed mid-stage (step 17 of stage 0, then step 45 of stage 1, where the generator
    // updates every other step) and resumed: bit-identical to the uninterrupted run.
    let ck = dir.join("ck.safetensors");
    let with = |stop: Option<u64>, resume: bool| TrainOptions {
        seed: 3,
        checkpoint: Some(ck.clone()),
        resume,
        stop_at: stop,
        ..Default::default()
    };
    let mut b = Gan::new(4);
    train(&mut b, &st, &with(Some(17), false)).unwrap();
    let mut c = Gan::new(99);
    let r = train(&mut c, &st, &with(Some(45), true)).unwrap();
    assert_eq!((r.start_step, r.step), (17, 45));
    let mut d = Gan::new(98);
    train(&mut d, &st, &with(None, true)).unwrap();
    same_vars(&a.vs, &d.vs);
    // The checkpoint holds both optimisers' states.
    let f = semcom_nn::st::read(&ck).unwrap();
    for o in ["discriminator", "generator"] {
        assert!(f.metadata.contains_key(&format!("optim_t.{o}")));
        assert!(f
            .tensors
            .keys()
            .any(|k| k.starts_with(&format!("optim.{o}.m.d."))
                || k.starts_with(&format!("optim.{o}.m.g."))));
    }
    // An unknown group is a configuration error naming it.
    let mut bad = gan_stages();
    bad[0].optimizers[0].group = "critic".into();
    let e = train(&mut Gan::new(1), &bad, &TrainOptions::default())
        .unwrap_err()
        .to_string();
    assert!(e.contains("critic") && e.contains("generator"), "{e}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// A 3-armed Bernoulli bandit (pay-off probabilities 0.2, 0.8, 0.5) and a softmax policy
/// trained by REINFORCE with a moving-average baseline.
struct Bandit {
    vs: nn::VarStore,
    logits: Tensor,
    baseline: Baseline,
}

const PAYOFF: [f64; 3] = [0.2, 0.8, 0.5];

impl Bandit {
    fn new() -> Self {
        let vs = nn::VarStore::new(Device::Cpu);
        let logits = (vs.root() / "policy").zeros("logits", &[3]);
        let baseline = Baseline::new(&(vs.root() / "baseline"), 0.9);
        Self {
            vs,
            logits,
            baseline,
        }
    }
    fn probs(&self) -> Vec<f64> {
        Vec::<f64>::try_from(self.logits.softmax(0, Kind::Double)).unwrap()
    }
}

impl Model for Bandit {
    fn var_store(&self) -> &nn::VarStore {
        &self.vs
    }
    fn step(&mut self, ctx: &mut StepCtx) -> semcom_nn::Result<Terms> {
        use rand::Rng;
        let p = self.probs();
        let (mut actions, mut rewards) = (Vec::new(), Vec::new());
        for _ in 0..32 {
            let u: f64 = ctx.rng.random();
            let a = if u < p[0] {
                0
            } else if u < p[0] + p[1] {
                1
            } else {
                2
            };
            actions.push(a as i64);
            rewards.push(f32::from(ctx.rng.random_bool(PAYOFF[a])));
        }
        let logp = self
            .logits
            .log_softmax(0, Kind::Float)
            .index_select(0, &Tensor::from_slice(&actions));
        let r = Tensor::from_slice(&rewards);
        let loss = reinforce_loss(&logp, &r, self.baseline.value());
        self.baseline.update(&r);
        let mut t = Terms::one("reinforce", loss);
        t.add("reward", r.mean(Kind::Float));
        Ok(t)
    }
}

#[test]
fn reinforce_moves_a_bandit_policy_to_the_paying_arm() {
    let mut m = Bandit::new();
    let mut st = Stage::simple("pg", 150, OptimSpec::adam(0.05), Schedule::Constant);
    st.loss_weights.insert("reward".into(), 0.0);
    let r = train(
        &mut m,
        &[st],
        &TrainOptions {
            seed: 2,
            ..Default::default()
        },
    )
    .unwrap();
    let p = m.probs();
    eprintln!("policy {p:?}, baseline {:.3}", m.baseline.value());
    assert!(p[1] > 0.9, "policy {p:?}");
    // The baseline tracks the mean reward (≈ 0.8 once the policy pays).
    assert!(
        (m.baseline.value() - 0.8).abs() < 0.15,
        "{}",
        m.baseline.value()
    );
    assert!(r.losses.contains_key("reinforce"));
    // The baseline lives in the var store (checkpointed) but is not trained.
    assert!(m.vs.variables().contains_key("baseline.value"));
    assert_eq!(m.vs.trainable_variables().len(), 1);
}

#[test]
fn a_non_finite_loss_stops_before_backward() {
    struct Nan(nn::VarStore, Tensor);
    impl Model for Nan {
        fn var_store(&self) -> &nn::VarStore {
            &self.0
        }
        fn step(&mut self, ctx: &mut StepCtx) -> semcom_nn::Result<Terms> {
            let v = if ctx.step == 3 { f64::NAN } else { 1.0 };
            Ok(Terms::one("x", (&self.1 * v).sum(Kind::Float)))
        }
    }
    let vs = nn::VarStore::new(Device::Cpu);
    let w = vs.root().ones("w", &[2]);
    let mut m = Nan(vs, w);
    let st = Stage::simple("s", 10, OptimSpec::sgd(0.1, 0.0), Schedule::Constant);
    let e = train(&mut m, &[st], &TrainOptions::default())
        .unwrap_err()
        .to_string();
    assert!(e.contains("step 3") && e.contains("NaN"), "{e}");
    // Three updates of −0.1 each, no NaN written into the weights.
    let v = Vec::<f32>::try_from(&m.1).unwrap();
    assert!(v.iter().all(|x| (x - 0.7).abs() < 1e-6), "{v:?}");
}

#[test]
fn bad_checkpoints_are_rejected_cleanly() {
    let _rng = torch_rng();
    let dir = tmp("bad");
    let m = model(1);
    let good = dir.join("w.safetensors");
    m.save(&good, Default::default()).unwrap();
    // Round trip.
    let back = DeepJscc::load(&good, Device::Cpu).unwrap();
    for (n, t) in m.vs.variables() {
        assert!(t.equal(&back.vs.variables()[&n]));
    }
    let bytes = std::fs::read(&good).unwrap();
    // Truncated.
    let p = dir.join("trunc.safetensors");
    std::fs::write(&p, &bytes[..bytes.len() - 100]).unwrap();
    let e = DeepJscc::load(&p, Device::Cpu).unwrap_err().to_string();
    assert!(e.contains("checkpoint") && e.contains("trunc"), "{e}");
    // Garbage and empty files.
    for (name, b) in [
        ("garbage", vec![0xffu8; 64]),
        ("empty", vec![]),
        ("short", vec![1, 2, 3]),
    ] {
        let p = dir.join(format!("{name}.safetensors"));
        std::fs::write(&p, &b).unwrap();
        assert!(DeepJscc::load(&p, Device::Cpu).is_err());
    }
    // Non-finite weights: refused on load, and never written.
    let mut f = semcom_nn::st::read(&good).unwrap();
    let t = f.tensors.values_mut().next().unwrap();
    t.data[..4].copy_from_slice(&f32::NAN.to_le_bytes());
    let p = dir.join("nan.safetensors");
    semcom_nn::st::write(&p, &f).unwrap();
    let e = DeepJscc::load(&p, Device::Cpu).unwrap_err().to_string();
    assert!(e.contains("non-finite"), "{e}");
    let nan = model(1);
    let vars = nan.vs.variables();
    let bias = vars.keys().find(|k| k.ends_with("bias")).unwrap();
    tch::no_grad(|| {
        let _ = vars[bias].shallow_clone().fill_(f64::INFINITY);
    });
    let e = nan
        .save(&dir.join("inf.safetensors"), Default::default())
        .unwrap_err()
        .to_string();
    assert!(e.contains("non-finite"), "{e}");
    assert!(!dir.join("inf.safetensors").exists());
    // Mismatched architecture: weights of c = 4 loaded into c = 8.
    tch::manual_seed(0);
    let other = DeepJscc::new(&DeepJsccConfig { c: 8, ..tiny() }, Device::Cpu).unwrap();
    let e = semcom_nn::checkpoint::load_weights(&other.vs, &good)
        .unwrap_err()
        .to_string();
    assert!(e.contains("does not match") && e.contains("shape"), "{e}");
    // A training checkpoint from another model is rejected on resume.
    let ck = dir.join("ck.safetensors");
    let data = synthetic(16, 16);
    let opts = |resume| TrainOptions {
        checkpoint: Some(ck.clone()),
        resume,
        ..Default::default()
    };
    let ch = ChannelSpec::Noiseless;
    let mut tm = trainer(m, &data, Augment::default(), ch.clone());
    train(&mut tm, &stages([2, 0])[..1], &opts(false)).unwrap();
    let mut to = trainer(other, &data, Augment::default(), ch.clone());
    let e = train(&mut to, &stages([4, 0])[..1], &opts(true))
        .unwrap_err()
        .to_string();
    assert!(e.contains("does not match"), "{e}");
    // Weights are not a training checkpoint; a missing checkpoint cannot be resumed.
    for (path, want) in [
        (good.clone(), "not a"),
        (dir.join("none"), "does not exist"),
    ] {
        let o = TrainOptions {
            checkpoint: Some(path),
            resume: true,
            ..Default::default()
        };
        let e = train(&mut tm, &stages([4, 0])[..1], &o)
            .unwrap_err()
            .to_string();
        assert!(e.contains(want), "{e}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn random_bytes_never_panic_the_parser() {
    use rand::Rng;
    let _rng = torch_rng();
    let mut rng = semcom_core::rng::rng_for(4, 0);
    let m = model(2);
    let dir = tmp("fuzz");
    let good = dir.join("w.safetensors");
    m.save(&good, Default::default()).unwrap();
    let bytes = std::fs::read(&good).unwrap();
    for i in 0..200 {
        let mut b = bytes.clone();
        for _ in 0..1 + i % 5 {
            let j = rng.random_range(0..b.len().min(400));
            b[j] = rng.random();
        }
        let _ = semcom_nn::st::parse(&b);
    }
    let _ = std::fs::remove_dir_all(&dir);
}
