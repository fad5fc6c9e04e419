package io.linforge.maven;

import io.linforge.api.Json;
import io.linforge.core.LinforgeException;
import java.io.File;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.maven.model.Plugin;
import org.apache.maven.model.PluginExecution;
import org.apache.maven.plugin.AbstractMojo;
import org.apache.maven.plugin.MojoExecution;
import org.apache.maven.plugin.MojoExecutionException;
import org.apache.maven.plugin.MojoFailureException;
import org.apache.maven.plugin.descriptor.MojoDescriptor;
import org.apache.maven.plugin.descriptor.Parameter;
import org.apache.maven.project.MavenProject;
import org.codehaus.plexus.util.xml.Xpp3Dom;

/**
 * What every goal shares: misconfiguration (an unknown or missing parameter, bad input) fails the
 * build with one line naming the parameter ({@link MojoExecutionException}); a failed validation gate
 * fails it with the gate's message ({@link MojoFailureException}).
 */
abstract class LinforgeMojo extends AbstractMojo {
    private static final Pattern OPTION = Pattern.compile("--([a-z][a-z0-9]*(?:-[a-z0-9]+)*)");

    @org.apache.maven.plugins.annotations.Parameter(defaultValue = "${mojoExecution}", readonly = true)
    MojoExecution mojoExecution;

    @org.apache.maven.plugins.annotations.Parameter(defaultValue = "${project}", readonly = true)
    MavenProject project;

    /** Skips the goal. */
    @org.apache.maven.plugins.annotations.Parameter(property = "linforge.skip", defaultValue = "false")
    boolean skip;

    /** The goal's work, through the Java API. */
    abstract void run() throws IOException, MojoFailureException, MojoExecutionException;

    @Override
    public final void execute() throws MojoExecutionException, MojoFailureException {
        checkParameters();
        if (skip) {
            getLog().info("skipped");
            return;
        }
        try {
            run();
        } catch (LinforgeException e) {
            String message = goal() + ": " + parameterNames(e.getMessage());
            if (e.exitCode() == LinforgeException.GATE_FAILED) {
                throw new MojoFailureException(message);
            }
            throw new MojoExecutionException(message);
        } catch (IOException e) {
            throw new MojoExecutionException(goal() + ": " + e, e);
        }
    }

    /** {@code linforge:GOAL}, the prefix of every message. */
    final String goal() {
        return "linforge:" + (mojoExecution == null ? getClass().getSimpleName() : mojoExecution.getGoal());
    }

    /** The messages of the API name command-line options ({@code --max-length}); a goal's parameter is {@code maxLength}. */
    static String parameterNames(String message) {
        Matcher m = OPTION.matcher(message);
        StringBuilder sb = new StringBuilder();
        while (m.find()) {
            String[] parts = m.group(1).split("-");
            StringBuilder camel = new StringBuilder(parts[0]);
            for (int i = 1; i < parts.length; i++) {
                camel.append(Character.toUpperCase(parts[i].charAt(0))).append(parts[i].substring(1));
            }
            m.appendReplacement(sb, Matcher.quoteReplacement(camel.toString()));
        }
        m.appendTail(sb);
        return sb.toString();
    }

    /** Exit with one line when a required parameter is not set. */
    final <T> T require(T value, String name) throws MojoExecutionException {
        if (value == null) {
            throw new MojoExecutionException(goal() + ": parameter '" + name + "' is missing");
        }
        return value;
    }

    static Path path(File f) {
        return f == null ? null : f.toPath();
    }

    /** Writes the result as the command line's {@code --json} does, when {@code json} is set. */
    static void writeJson(File json, com.fasterxml.jackson.databind.JsonNode result) throws IOException {
        if (json != null) {
            Json.write(json.toPath(), result);
        }
    }

    /**
     * Maven 3.8 ignores configuration it does not know; here an unknown parameter of this execution
     * (or of the plugin's shared configuration that no goal has) fails the build, naming it.
     */
    private void checkParameters() throws MojoExecutionException {
        if (mojoExecution == null || project == null) {
            return;
        }
        MojoDescriptor d = mojoExecution.getMojoDescriptor();
        Plugin plugin = project.getPlugin(d.getPluginDescriptor().getPluginLookupKey());
        if (plugin == null) {
            return;
        }
        Set<String> own = names(d);
        Set<String> any = new TreeSet<>();
        for (MojoDescriptor m : d.getPluginDescriptor().getMojos()) {
            any.addAll(names(m));
        }
        check((Xpp3Dom) plugin.getConfiguration(), any, "the plugin's configuration");
        PluginExecution e = plugin.getExecutionsAsMap().get(mojoExecution.getExecutionId());
        if (e != null) {
            check((Xpp3Dom) e.getConfiguration(), own, "execution '" + e.getId() + "'");
        }
    }

    private static Set<String> names(MojoDescriptor d) {
        Set<String> s = new TreeSet<>();
        if (d.getParameters() != null) {
            for (Parameter p : d.getParameters()) {
                if (p.isEditable()) {
                    s.add(p.getName());
                    if (p.getAlias() != null) {
                        s.add(p.getAlias());
                    }
                }
            }
        }
        return s;
    }

    private void check(Xpp3Dom config, Set<String> known, String where) throws MojoExecutionException {
        if (config == null) {
            return;
        }
        for (Xpp3Dom c : config.getChildren()) {
            if (!known.contains(c.getName())) {
                throw new MojoExecutionException(goal() + ": " + where + ": unknown parameter '" + c.getName()
                        + "' (parameters: " + String.join(", ", known) + ")");
            }
        }
    }
}
