//! Sweep engine: grids over schemes, channels, SNRs and budgets, resumable journals, tables and plots
