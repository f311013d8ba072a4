package dev.quarry.spark;

import org.apache.spark.sql.SparkSession;

/**
 * The one Spark session of the module's tests (starting one costs seconds): {@code local[2,4]}, two
 * threads like {@code local[2]}, and four attempts per task, since local mode retries a failed task only when
 * the master says so. Bound to loopback; stopped when the JVM exits.
 */
final class SharedSpark {
    private static SparkSession session;

    private SharedSpark() {
    }

    static synchronized SparkSession get() {
        if (session == null) {
            session = SparkSession.builder().master("local[2,4]").appName("quarry-spark-tests")
                    .config("spark.ui.enabled", "false").config("spark.driver.host", "127.0.0.1")
                    .config("spark.driver.bindAddress", "127.0.0.1").config("spark.sql.shuffle.partitions", "2")
                    .getOrCreate();
            session.sparkContext().setLogLevel("WARN");
        }
        return session;
    }
}
