package dev.runlaw.local;

import java.util.concurrent.CountDownLatch;

/**
 * A JVM that starts a private ClickHouse server and a Flink session cluster (JobManager and one TaskManager), prints
 * one line {@code pids <clickhouse> <jobmanager> <taskmanager> dirs <clickhouse dir> <flink dir>} and waits forever:
 * {@link ChildProcessesIT} kills it with {@code kill -9} and checks that nothing it started survives.
 */
public final class ServerHolder {
    private ServerHolder() {
    }

    public static void main(String[] args) throws Exception {
        LocalClickHouse ch = LocalClickHouse.start();
        LocalFlinkCluster flink = LocalFlinkCluster.builder().taskManagers(1).slotsPerTaskManager(1).start();
        System.out.println("pids " + ch.processHandle().orElseThrow().pid() + " " + flink.jobManagerProcess().pid()
                + " " + flink.taskManagerProcesses().values().iterator().next().pid()
                + " dirs " + ch.directory().orElseThrow() + " " + flink.directory());
        System.out.flush();
        new CountDownLatch(1).await();
    }
}
