package jobgov.metrics;

import io.prometheus.metrics.expositionformats.ExpositionFormatWriter;
import io.prometheus.metrics.expositionformats.OpenMetricsTextFormatWriter;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import jobgov.http.MetricsSource;

/**
 * The text a scrape answers, written by Prometheus' own writers: OpenMetrics 1.0 when the client's {@code Accept}
 * asks for {@code application/openmetrics-text} (Prometheus does), else the Prometheus text format 0.0.4 (curl, a
 * browser). No protobuf.
 */
final class Exposition {
    private static final ExpositionFormatWriter OPEN_METRICS = OpenMetricsTextFormatWriter.create();
    private static final ExpositionFormatWriter TEXT = PrometheusTextFormatWriter.create();

    private Exposition() {
    }

    static MetricsSource.Scrape write(MetricSnapshots snapshots, String accept) throws IOException {
        ExpositionFormatWriter w = accept != null && OPEN_METRICS.accepts(accept) ? OPEN_METRICS : TEXT;
        ByteArrayOutputStream out = new ByteArrayOutputStream(8192);
        w.write(out, snapshots);
        return new MetricsSource.Scrape(w.getContentType(), out.toByteArray());
    }
}
