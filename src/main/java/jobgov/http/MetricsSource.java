package jobgov.http;

import java.io.IOException;

/** What the metrics endpoint serves: one scrape, in the format the client's {@code Accept} header asks for. */
@FunctionalInterface
public interface MetricsSource {
    /** The exposition text and its content type; {@code accept} may be null. */
    Scrape scrape(String accept) throws IOException;

    record Scrape(String contentType, byte[] body) {
    }
}
