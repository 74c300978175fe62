package dev.runlaw.local;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;

/** Free TCP ports on 127.0.0.1, asked of the kernel rather than guessed, so parallel builds do not collide. */
final class FreePorts {

    private FreePorts() {
    }

    /**
     * A port that was free a moment ago. The socket is closed before the server binds it, so another process
     * can take it in between; callers that start a server retry with a new port when the bind fails.
     */
    static int next() {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            s.setReuseAddress(true);
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free port on 127.0.0.1", e);
        }
    }
}
