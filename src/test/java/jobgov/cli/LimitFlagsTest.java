package jobgov.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import jobgov.job.JobLimits;
import jobgov.job.LimitCatalog;
import jobgov.job.LimitExamples;
import jobgov.job.LimitSpec;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** Every row of the limit catalog is a flag of {@code jobgov run} that parses to what the spec text parses to. */
class LimitFlagsTest {
    /** The jobgov command line as Main builds it. */
    private static CommandLine jobgov() {
        CommandLine cmd = new CommandLine(new Main());
        cmd.getSubcommands().get("run").setStopAtPositional(true);
        LimitFlags.addTo(cmd.getSubcommands().get("run").getCommandSpec());
        return cmd;
    }

    private static CommandLine run() {
        return jobgov().getSubcommands().get("run");
    }

    /** {@code jobgov run ARGS -- true} parsed (not run) and its limit flags applied. */
    private static JobLimits parse(List<String> args) {
        CommandLine cmd = jobgov();
        List<String> all = new ArrayList<>(List.of("run"));
        all.addAll(args);
        all.add("--");
        all.add("true");
        cmd.parseArgs(all.toArray(String[]::new));
        CommandLine run = cmd.getSubcommands().get("run");
        return LimitFlags.apply(run, LimitFlags.given(run.getCommandSpec()), JobLimits.NONE);
    }

    @Test
    void everyRowIsAFlag() {
        for (LimitCatalog.Row r : LimitCatalog.ROWS) {
            CommandLine.Model.OptionSpec o = run().getCommandSpec().findOption(r.flag());
            assertNotNull(o, r.flag());
            assertEquals(r.kind().label(), o.paramLabel(), r.flag());
            List<String> args = new ArrayList<>();
            LimitExamples.valueOf(r).forEach((k, v) -> {
                args.add("--" + k);
                args.add(v);
            });
            JobLimits l = parse(args);
            assertEquals(LimitSpec.parse(LimitExamples.specOf(r)), l, r.flag());
            assertEquals(LimitExamples.of(r), r.format(l), r.flag());
        }
    }

    @Test
    void aFlagAlwaysSetsAValue() {
        for (LimitCatalog.Row r : LimitCatalog.ROWS) {
            for (String none : List.of("none", " ")) {
                CommandLine.ParameterException e = assertThrows(CommandLine.ParameterException.class, () -> parse(List.of(r.flag(), none)));
                assertTrue(e.getMessage().startsWith(r.flag() + ": "), e.getMessage());
            }
            if (r.zeroIsAValue()) {
                Map<String, String> v = LimitExamples.valueOf(r);
                List<String> args = new ArrayList<>(List.of(r.flag(), "0"));
                v.forEach((k, x) -> {
                    if (!k.equals(r.key())) {
                        args.add("--" + k);
                        args.add(x);
                    }
                });
                assertNotNull(r.get().apply(parse(args)), r.flag() + " 0 is a value");
            } else {
                assertThrows(CommandLine.ParameterException.class, () -> parse(List.of(r.flag(), "0")), r.flag());
            }
        }
    }

    @Test
    void switchesTakeTheOneSwitchSyntax() {
        assertEquals(Boolean.FALSE, parse(List.of("--kill-on-close", "no")).killOnClose());
        assertEquals(Boolean.TRUE, parse(List.of("--breakaway", "on")).breakawayOk());
        CommandLine.ParameterException e = assertThrows(CommandLine.ParameterException.class, () -> parse(List.of("--kill-on-close", "maybe")));
        assertTrue(e.getMessage().startsWith("--kill-on-close: "), e.getMessage());
    }

    @Test
    void systemdPropertiesMapOntoCatalogKeys() {
        SystemdProperties.Mapped m = SystemdProperties.map(List.of("MemoryMax=512M", "MemoryHigh=1G", "MemoryLow=64M", "TasksMax=32",
                "CPUQuota=50%", "AllowedCPUs=0-1", "IOReadBandwidthMax=/dev/vda 10M", "IOWriteBandwidthMax=/dev/vda 10M"), 2);
        for (String key : m.limits().keySet()) {
            assertTrue(LimitCatalog.find(key).isPresent(), key);
        }
    }
}
