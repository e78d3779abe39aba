package io.proxyless.mesh.cli;

import io.proxyless.mesh.api.ConfigException;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.HelpCommand;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.UnmatchedArgumentException;

/**
 * The {@code mesh} command-line tool: checks and explains the Istio traffic config a proxyless client would use.
 *
 * <pre>{@code
 * $ java -jar mesh.jar validate examples/config
 * 0 errors, 0 warnings in 8 files
 * }</pre>
 *
 * <p>Exit status is the same for every subcommand: {@link #OK}, {@link #CONFIG_ERRORS}, {@link #USAGE},
 * {@link #FAILURE}. Tests drive the tool in-process through {@link #run(String[], PrintWriter, PrintWriter)}.
 */
@Command(
        name = "mesh",
        // INHERIT gives every subcommand --help, --version and the exit-status list without repeating them.
        scope = ScopeType.INHERIT,
        mixinStandardHelpOptions = true,
        versionProvider = MeshVersion.class,
        synopsisSubcommandLabel = "COMMAND",
        description = "Checks and explains Istio traffic config for a proxyless (sidecar-free) Java client.",
        commandListHeading = "%nCommands:%n",
        subcommands = {
            // A new subcommand is one more line here; give it its own footer example, or it inherits this one.
            ValidateCommand.class,
            RouteCommand.class,
            AuthzCommand.class,
            RouteCheckCommand.class,
            DumpCommand.class,
            HelpCommand.class,
        },
        exitCodeListHeading = "%nExit status:%n",
        exitCodeList = {
            "0:success (warnings allowed)",
            "1:the config has errors (with validate --strict: or warnings), or a check failed",
            "2:usage error (unknown option, missing or non-existent PATH, ...)",
            "3:internal failure (a bug: please report it)",
        },
        footerHeading = "%nExample:%n",
        footer = "  mesh validate --namespace default examples/config")
public final class MeshCommand {
    /** Everything was fine; warnings do not change this. */
    public static final int OK = 0;
    /** The config (or, for checking commands, the expectation) has errors. */
    public static final int CONFIG_ERRORS = 1;
    /** The command line itself was wrong. */
    public static final int USAGE = 2;
    /** Something unexpected failed inside the tool. */
    public static final int FAILURE = 3;

    /** Runs {@code mesh} with the process's standard streams and exits with its status. */
    public static void main(String[] args) {
        System.exit(run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
    }

    /**
     * Runs {@code mesh} with {@code args}, writing results to {@code out} and diagnostics to {@code err}.
     *
     * @return the exit status
     */
    public static int run(String[] args, PrintWriter out, PrintWriter err) {
        CommandLine commandLine = newCommandLine(out, err);
        try {
            return commandLine.execute(args);
        } finally {
            out.flush();
            err.flush();
        }
    }

    /** The fully configured command line; {@link #run} is the only caller, kept separate for readability. */
    static CommandLine newCommandLine(PrintWriter out, PrintWriter err) {
        CommandLine commandLine = new CommandLine(new MeshCommand());
        // Set after the subcommands are registered, so that they apply to the subcommands too.
        commandLine.setOut(out);
        commandLine.setErr(err);
        commandLine.setExitCodeExceptionMapper(MeshCommand::exitCodeFor);
        commandLine.setParameterExceptionHandler(MeshCommand::handleUsageError);
        commandLine.setExecutionExceptionHandler(MeshCommand::handleFailure);
        return commandLine;
    }

    /** The one place that turns a failure into an exit status; the handlers below print, then ask here. */
    private static int exitCodeFor(Throwable failure) {
        if (failure instanceof ParameterException) {
            return USAGE;
        }
        if (failure instanceof ConfigException) {
            return CONFIG_ERRORS;
        }
        if (failure instanceof MeshOptions.MeshUnavailableException unavailable) {
            return unavailable.status;
        }
        return FAILURE;
    }

    /** Prints the problem and a pointer to {@code --help}, not the whole usage text, which would bury the message. */
    private static int handleUsageError(ParameterException failure, String[] args) {
        CommandLine command = failure.getCommandLine();
        PrintWriter err = command.getErr();
        String name = command.getCommandSpec().qualifiedName();
        err.println(name + ": " + failure.getMessage());
        if (args.length == 0) {
            // A bare `mesh` most likely means "what can this do?": show the list of commands.
            err.println();
            command.usage(err);
        } else {
            UnmatchedArgumentException.printSuggestions(failure, err);
            CommandLine.Help help = command.getHelp();
            err.print(help.synopsisHeading() + help.synopsis(help.synopsisHeadingLength()));
            err.println("Try '" + name + " --help' for more information.");
        }
        return command.getExitCodeExceptionMapper().getExitCode(failure);
    }

    private static int handleFailure(Exception failure, CommandLine command, ParseResult parsed) {
        PrintWriter err = command.getErr();
        String name = command.getCommandSpec().qualifiedName();
        if (failure instanceof ConfigException config) {
            config.problems().forEach(problem -> err.println(problem.format()));
        } else if (failure instanceof MeshOptions.MeshUnavailableException) {
            err.println(name + ": " + failure.getMessage());
        } else {
            err.println(name + ": internal error: " + failure);
            failure.printStackTrace(err);
        }
        return command.getExitCodeExceptionMapper().getExitCode(failure);
    }
}
