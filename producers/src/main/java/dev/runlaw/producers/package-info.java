/**
 * Getting telemetry into Kafka: the producer library a JVM trainer or a tool links, and sources of runs to feed it.
 *
 * <table>
 *   <caption>public types</caption>
 *   <tr><th>type</th><th>what it is for</th></tr>
 *   <tr><td>{@link dev.runlaw.producers.TelemetryProducer}</td><td>validate, encode (Avro single-object) and
 *       publish records to their topics keyed by run; never blocks the caller: drops and counts when its
 *       in-flight budget is full</td></tr>
 *   <tr><td>{@link dev.runlaw.producers.RunLogger}</td><td>one training run's telemetry for a JVM trainer:
 *       {@code logStep(step, loss, lr)} with run id and wall time filled in, RunFinished on close, invalid values
 *       counted instead of thrown</td></tr>
 *   <tr><td>{@link dev.runlaw.producers.importer.FileImporter}</td><td>resumable, idempotent streaming import of
 *       CSV, JSONL, TensorBoard and Megatron-LM routing-trace files ({@code ./runlaw import})</td></tr>
 *   <tr><td>{@link dev.runlaw.producers.RunReplayer}</td><td>replay a recorded loss curve (run-format CSV) as a
 *       run: RunStarted, StepMetrics, EvalMetrics, RunFinished; fraction cut and pacing</td></tr>
 *   <tr><td>{@link dev.runlaw.producers.RunDirectory}</td><td>load every {@code *.csv} run of a directory, errors
 *       naming file:line</td></tr>
 *   <tr><td>{@link dev.runlaw.producers.SampleRuns}</td><td>real loss curves bundled in the jar (MIT, Luo et al.
 *       2025)</td></tr>
 *   <tr><td>{@link dev.runlaw.producers.MoeRunSimulator}</td><td>a seeded simulated MoE run emitting every record
 *       kind with known ground truth (loss law, noise scale, placement)</td></tr>
 *   <tr><td>{@link dev.runlaw.producers.ProgressBar}</td><td>one updating stderr line for long replays</td></tr>
 * </table>
 *
 * <p>Replayer and simulator emit to a {@code Consumer<SpecificRecord>}: pass {@code producer::send} to publish,
 * a list's {@code add} to test, or a counter to benchmark. Nothing here depends on Flink.
 */
package dev.runlaw.producers;
