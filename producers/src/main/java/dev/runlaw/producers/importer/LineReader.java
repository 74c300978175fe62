package dev.runlaw.producers.importer;

import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;

/**
 * Splits a file into {@code \n}-terminated lines and knows the byte offset of each, so an import can record
 * exactly where to resume. Memory is one read buffer plus the longest line seen, capped at {@code maxLineBytes}:
 * a longer line is skipped (read through, not kept) and reported as malformed. A last line without {@code \n} is
 * returned too.
 */
public final class LineReader implements UnitReader {
    private final InputStream in;
    private final int maxLineBytes;
    private final byte[] buf = new byte[1 << 16];
    private int bufPos;
    private int bufLen;
    private byte[] line = new byte[256];
    private long offset;
    private long lineNo;

    /**
     * @param file         the file
     * @param startOffset  byte offset of a line start to begin at
     * @param startLine    number of the line at {@code startOffset} minus one (lines already passed)
     * @param maxLineBytes longest line kept
     */
    public LineReader(Path file, long startOffset, long startLine, int maxLineBytes) throws IOException {
        FileChannel ch = FileChannel.open(file, StandardOpenOption.READ);
        ch.position(startOffset);
        this.in = Channels.newInputStream(ch);
        this.offset = startOffset;
        this.lineNo = startLine;
        this.maxLineBytes = maxLineBytes;
    }

    @Override
    public Unit next() throws IOException, MalformedUnitException {
        long start = offset;
        int n = 0;
        boolean tooLong = false;
        boolean any = false;
        while (true) {
            if (bufPos == bufLen) {
                bufLen = in.read(buf, 0, buf.length);
                bufPos = 0;
                if (bufLen <= 0) {
                    bufLen = 0;
                    if (!any) {
                        return null;
                    }
                    lineNo++;
                    break;
                }
            }
            any = true;
            byte b = buf[bufPos++];
            offset++;
            if (b == '\n') {
                lineNo++;
                break;
            }
            if (tooLong) {
                continue;
            }
            if (n == maxLineBytes) {
                tooLong = true;
                continue;
            }
            if (n == line.length) {
                line = Arrays.copyOf(line, (int) Math.min((long) line.length * 2, maxLineBytes));
            }
            line[n++] = b;
        }
        if (tooLong) {
            throw new MalformedUnitException(lineNo, "line longer than " + maxLineBytes + " bytes");
        }
        return new Unit(lineNo, start, offset, line, n);
    }

    @Override
    public long position() {
        return offset;
    }

    @Override
    public long units() {
        return lineNo;
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}
