package dev.quarry.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;

class SmokeTest {
    @Test
    void sparkRuns() {
        long t = System.nanoTime();
        SparkSession s = SparkSession.builder().master("local[2]").appName("smoke").config("spark.ui.enabled", "false").getOrCreate();
        System.err.println("session in " + (System.nanoTime() - t) / 1e9);
        JavaSparkContext sc = JavaSparkContext.fromSparkContext(s.sparkContext());
        assertEquals(10, sc.parallelize(List.of(1, 2, 3, 4), 2).map(x -> x + 1).reduce(Integer::sum));
        System.err.println("job in " + (System.nanoTime() - t) / 1e9);
        s.stop();
    }
}
