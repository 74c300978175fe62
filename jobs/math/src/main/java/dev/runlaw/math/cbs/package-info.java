/**
 * Critical batch size: the gradient noise scale of one run, online (McCandlish et al. 2018, "An Empirical Model
 * of Large-Batch Training", arXiv 1812.06162, App. A), the steps-versus-batch law of a sweep of runs (Zhang et al.
 * 2024, "How Does Critical Batch Size Scale in Pre-training?", arXiv 2410.21676) and its power-law scaling in the
 * data size (Zhang et al. 2024; Bergsma et al. 2025, "Power Lines", arXiv 2505.13738).
 *
 * <p>Pure math: no Flink, Kafka, ClickHouse, clock, I/O or logging. Batch sizes are in sequences; token figures
 * are sequences times the sequence length.
 */
package dev.runlaw.math.cbs;
