package jobgov.windows;

import java.util.List;

/**
 * An argument list as one Windows command line, quoted so that the C runtime's and
 * CommandLineToArgvW's parsing give the same list back: arguments with spaces, tabs or quotes are
 * wrapped in quotes; backslashes are doubled only where a quote follows them.
 */
public final class CommandLine {
    private CommandLine() {
    }

    public static String of(List<String> args) {
        if (args.isEmpty()) {
            throw new IllegalArgumentException("empty command");
        }
        StringBuilder sb = new StringBuilder();
        for (String a : args) {
            if (sb.length() > 0) {
                sb.append(' ');
            }
            quote(a, sb);
        }
        return sb.toString();
    }

    static void quote(String arg, StringBuilder sb) {
        if (!arg.isEmpty() && arg.chars().noneMatch(c -> c == ' ' || c == '\t' || c == '\n' || c == '\u000B' || c == '"')) {
            sb.append(arg);
            return;
        }
        sb.append('"');
        int backslashes = 0;
        for (int i = 0; i < arg.length(); i++) {
            char c = arg.charAt(i);
            if (c == '\\') {
                backslashes++;
                continue;
            }
            if (c == '"') {
                // 2n+1 backslashes: n literal ones, then the escaped quote.
                sb.append("\\".repeat(backslashes * 2 + 1)).append('"');
            } else {
                sb.append("\\".repeat(backslashes)).append(c);
            }
            backslashes = 0;
        }
        // Before the closing quote every backslash must be doubled.
        sb.append("\\".repeat(backslashes * 2)).append('"');
    }
}
