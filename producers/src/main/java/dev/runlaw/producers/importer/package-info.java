/**
 * File importers: turn training logs into telemetry records, streaming, resumable and idempotent.
 *
 * <p>{@link dev.runlaw.producers.importer.FileImporter} drives one file at a time: a {@link
 * dev.runlaw.producers.importer.UnitReader} ({@link dev.runlaw.producers.importer.LineReader} for text,
 * {@link dev.runlaw.producers.importer.TfRecordReader} for TensorBoard) hands units with their byte offsets to the
 * format's {@link dev.runlaw.producers.importer.RecordParser}; records go to a
 * {@link dev.runlaw.producers.importer.RecordSink} (a {@link dev.runlaw.producers.TelemetryProducer}); a
 * {@link dev.runlaw.producers.importer.Checkpoint} of the acknowledged offset is written after each flush. Formats:
 * {@link dev.runlaw.producers.importer.ImportFormat}. The command {@code runlaw import}:
 * {@link dev.runlaw.producers.importer.ImportCommand} (its command line, one subcommand per format) and
 * {@link dev.runlaw.producers.importer.ImportRun} (the import it runs); it ships in the slim
 * {@code runlaw-producers-app.jar}. User documentation: {@code docs/import.md}.
 */
package dev.runlaw.producers.importer;
