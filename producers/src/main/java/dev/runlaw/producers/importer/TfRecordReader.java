package dev.runlaw.producers.importer;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.zip.CRC32C;

/**
 * Reads TFRecord frames, the container of TensorBoard event files ({@code events.out.tfevents.*}):
 * <pre>
 *   uint64 length (little endian)
 *   uint32 masked_crc32c(length bytes)
 *   byte   data[length]
 *   uint32 masked_crc32c(data)
 * </pre>
 * with {@code masked(c) = ((c >>> 15) | (c << 17)) + 0xa282ead8} (TensorFlow's {@code core/lib/hash/crc32c.h}).
 *
 * <p>A frame whose data CRC is wrong is reported as malformed and skipped (its length was checked, so the next
 * frame is still found). A wrong length CRC means the framing itself is lost: it is reported and the rest of the
 * file is skipped ({@link #lostSync()}). A frame cut off at the end of the file (a writer still appending) ends the
 * file there, unreported; its bytes are read again on the next import, since the resume offset never passes it.
 */
public final class TfRecordReader implements UnitReader {
    private static final int MASK_DELTA = 0xa282ead8;

    private final InputStream in;
    private final int maxRecordBytes;
    private final byte[] header = new byte[12];
    private final byte[] trailer = new byte[4];
    private byte[] data = new byte[4096];
    private long offset;
    private long recordNo;
    private boolean lostSync;

    /**
     * @param startOffset    offset of a frame start
     * @param startRecord    frames before {@code startOffset}
     * @param maxRecordBytes larger frames are skipped as malformed
     */
    public TfRecordReader(Path file, long startOffset, long startRecord, int maxRecordBytes) throws IOException {
        FileChannel ch = FileChannel.open(file, StandardOpenOption.READ);
        ch.position(startOffset);
        this.in = Channels.newInputStream(ch);
        this.offset = startOffset;
        this.recordNo = startRecord;
        this.maxRecordBytes = maxRecordBytes;
    }

    /** The masked CRC-32C TFRecord stores. */
    public static int maskedCrc32c(byte[] b, int off, int len) {
        CRC32C crc = new CRC32C();
        crc.update(b, off, len);
        int c = (int) crc.getValue();
        return ((c >>> 15) | (c << 17)) + MASK_DELTA;
    }

    @Override
    public Unit next() throws IOException, MalformedUnitException {
        if (lostSync) {
            return null;
        }
        long start = offset;
        int got = readFully(header, 0, 12);
        if (got < 12) {
            return null; // clean end, or a frame header still being written
        }
        ByteBuffer h = ByteBuffer.wrap(header).order(ByteOrder.LITTLE_ENDIAN);
        long length = h.getLong(0);
        int lengthCrc = h.getInt(8);
        recordNo++;
        if (maskedCrc32c(header, 0, 8) != lengthCrc) {
            lostSync = true;
            throw new MalformedUnitException(recordNo, "record length CRC mismatch at byte " + start
                    + "; the framing is lost, the rest of the file is skipped");
        }
        if (length < 0 || length > maxRecordBytes) {
            long skipped = skip(length + 4);
            if (skipped < length + 4) {
                recordNo--;
                return null;
            }
            offset = start + 12 + length + 4;
            throw new MalformedUnitException(recordNo, "record of " + length + " bytes, limit " + maxRecordBytes);
        }
        int n = (int) length;
        if (data.length < n) {
            data = new byte[Math.max(n, data.length * 2)];
        }
        if (readFully(data, 0, n) < n || readFully(trailer, 0, 4) < 4) {
            recordNo--;
            return null; // cut off: the writer has not finished this frame
        }
        offset = start + 12 + n + 4;
        int dataCrc = ByteBuffer.wrap(trailer).order(ByteOrder.LITTLE_ENDIAN).getInt(0);
        if (maskedCrc32c(data, 0, n) != dataCrc) {
            throw new MalformedUnitException(recordNo, "record data CRC mismatch at byte " + start);
        }
        return new Unit(recordNo, start, offset, data, n);
    }

    @Override
    public boolean lostSync() {
        return lostSync;
    }

    private int readFully(byte[] b, int off, int len) throws IOException {
        int total = 0;
        while (total < len) {
            int r = in.read(b, off + total, len - total);
            if (r < 0) {
                break;
            }
            total += r;
        }
        return total;
    }

    private long skip(long n) throws IOException {
        long done = 0;
        while (done < n) {
            long s = in.skip(n - done);
            if (s <= 0) {
                if (in.read() < 0) {
                    break;
                }
                s = 1;
            }
            done += s;
        }
        return done;
    }

    @Override
    public long position() {
        return offset;
    }

    @Override
    public long units() {
        return recordNo;
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}
