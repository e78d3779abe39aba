package io.proxyless.mesh.cli;

import static io.proxyless.mesh.cli.CliRun.mesh;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The top-level {@code mesh} command: version, help, and how usage errors are reported. */
class MeshCommandTest {

    @Test
    void versionPrintsTheProjectVersionAndExitsZero() {
        CliRun run = mesh("--version");

        assertThat(run.status()).as(run.toString()).isZero();
        // The exact version changes with every release; what matters is that Maven filled it in.
        assertThat(run.out()).as(run.toString()).matches("mesh \\d+\\.\\d+\\.\\d+(-SNAPSHOT)?\n");
        assertThat(run.out()).isEqualTo("mesh " + MeshVersion.version() + "\n");
        assertThat(run.err()).isEmpty();
    }

    @Test
    void subcommandsInheritTheVersionOption() {
        CliRun run = mesh("validate", "--version");

        assertThat(run.status()).as(run.toString()).isZero();
        assertThat(run.out()).isEqualTo("mesh " + MeshVersion.version() + "\n");
    }

    @Test
    void helpListsTheCommandsExitStatusesAndAnExample() {
        CliRun run = mesh("--help");

        assertThat(run.status()).as(run.toString()).isZero();
        assertThat(run.out())
                .startsWith("Usage: mesh [-hV] COMMAND\n")
                .contains("Commands:\n", "  validate ", "Exit status:\n", "  2   usage error")
                .endsWith("Example:\n  mesh validate --namespace default examples/config\n");
        assertThat(run.err()).isEmpty();
    }

    @Test
    void everyHelpTextFitsEightyColumnsAndEverySummaryIsAWholeSentence() {
        String top = mesh("--help").out();
        String commands = top.substring(top.indexOf("Commands:\n"), top.indexOf("\nExit status:"));
        // Each command's summary ends its sentence before the next command starts.
        for (String block : commands.split("\n  (?=\\S)")) {
            if (!block.startsWith("Commands:")) {
                assertThat(block.strip()).as(block).endsWith(".");
            }
        }
        for (String command : new String[] {"validate", "route", "route-check", "dump"}) {
            CliRun run = mesh(command, "--help");
            assertThat(run.status()).as(run.toString()).isZero();
            assertThat(run.out().lines()).as(command + " --help").allSatisfy(line ->
                    assertThat(line.length()).as(line).isLessThanOrEqualTo(80));
        }
    }

    @Test
    void helpSubcommandShowsTheHelpOfAnotherCommand() {
        CliRun run = mesh("help", "validate");

        assertThat(run.status()).as(run.toString()).isZero();
        assertThat(run.out()).startsWith("Usage: mesh validate ");
    }

    @Test
    void noArgumentsIsAUsageErrorThatListsTheCommands() {
        CliRun run = mesh();

        assertThat(run.status()).as(run.toString()).isEqualTo(MeshCommand.USAGE);
        assertThat(run.out()).isEmpty();
        assertThat(run.err())
                .startsWith("mesh: Missing required subcommand\n")
                .contains("Usage: mesh [-hV] COMMAND", "  validate ");
    }

    @Test
    void unknownCommandIsAUsageErrorWithASuggestion() {
        CliRun run = mesh("valdate", "examples/config");

        assertThat(run.status()).as(run.toString()).isEqualTo(MeshCommand.USAGE);
        assertThat(run.err())
                .startsWith("mesh: Unmatched arguments from index 0: 'valdate', 'examples/config'\n")
                .contains("Did you mean: mesh validate")
                .endsWith("Try 'mesh --help' for more information.\n");
    }

    @Test
    void unknownTopLevelOptionIsAUsageError() {
        CliRun run = mesh("--colour");

        assertThat(run.status()).as(run.toString()).isEqualTo(MeshCommand.USAGE);
        assertThat(run.err()).startsWith("mesh: Unknown option: '--colour'\n");
    }
}
