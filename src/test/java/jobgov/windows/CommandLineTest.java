package jobgov.windows;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Quoting arguments into one Windows command line (the rules CommandLineToArgvW undoes). */
class CommandLineTest {
    @Test
    void plainArgumentsStayAsTheyAre() {
        assertEquals("cmd.exe /c echo hi", CommandLine.of(List.of("cmd.exe", "/c", "echo", "hi")));
        assertEquals("C:\\dir\\app.exe a\\b", CommandLine.of(List.of("C:\\dir\\app.exe", "a\\b")));
    }

    @Test
    void spacesQuotesAndTrailingBackslashesAreQuoted() {
        assertEquals("app \"a b\"", CommandLine.of(List.of("app", "a b")));
        assertEquals("app \"\"", CommandLine.of(List.of("app", "")));
        assertEquals("app \"say \\\"hi\\\"\"", CommandLine.of(List.of("app", "say \"hi\"")));
        assertEquals("app \"C:\\my dir\\\\\"", CommandLine.of(List.of("app", "C:\\my dir\\")));
        assertEquals("app \"a\\\\\\\"b\"", CommandLine.of(List.of("app", "a\\\"b")));
    }

    @Test
    void anEmptyCommandIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> CommandLine.of(List.of()));
    }
}
