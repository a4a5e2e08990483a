package dev.cairn.runtime;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ConfiguratorRank;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.spi.ContextAwareBase;

/**
 * The gateway's logging, set up in code (logback's XML configurator loads hundreds of classes at every
 * start): one line per event on standard error, {@code HH:mm:ss.SSS LEVEL Logger - message}; Netty,
 * Vert.x and Paho at WARN; everything else at {@code CAIRN_LOG_LEVEL} (default INFO). With
 * {@code CAIRN_LOG_FORMAT=json} each event is one JSON object a line instead (logback's JsonEncoder:
 * timestamp, level, logger, message, ...), for log shippers. A logback
 * configuration file given with {@code -Dlogback.configurationFile}, or a {@code logback-test.xml} on
 * the class path, still takes over.
 */
@ConfiguratorRank(ConfiguratorRank.CUSTOM_NORMAL_PRIORITY)
public final class LogSetup extends ContextAwareBase implements Configurator {
  @Override
  public ExecutionStatus configure(LoggerContext context) {
    if (System.getProperty("logback.configurationFile") != null
        || LogSetup.class.getClassLoader().getResource("logback-test.xml") != null) {
      return ExecutionStatus.INVOKE_NEXT_IF_ANY;
    }
    ch.qos.logback.core.encoder.Encoder<ILoggingEvent> encoder;
    if ("json".equalsIgnoreCase(System.getenv("CAIRN_LOG_FORMAT"))) {
      ch.qos.logback.classic.encoder.JsonEncoder json = new ch.qos.logback.classic.encoder.JsonEncoder();
      json.setContext(context);
      json.setWithSequenceNumber(false);
      json.setWithNanoseconds(false);
      json.setWithContext(false);
      json.setWithMDC(false);
      json.setWithMessage(false);
      json.setWithArguments(false);
      json.setWithFormattedMessage(true);
      json.start();
      encoder = json;
    } else {
      PatternLayoutEncoder pattern = new PatternLayoutEncoder();
      pattern.setContext(context);
      pattern.setPattern("%d{HH:mm:ss.SSS} %-5level %logger{0} - %msg%n");
      pattern.start();
      encoder = pattern;
    }
    ConsoleAppender<ILoggingEvent> stderr = new ConsoleAppender<>();
    stderr.setContext(context);
    stderr.setName("STDERR");
    stderr.setTarget("System.err");
    stderr.setEncoder(encoder);
    stderr.start();
    ch.qos.logback.classic.Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    root.setLevel(Level.toLevel(System.getenv().getOrDefault("CAIRN_LOG_LEVEL", "INFO"), Level.INFO));
    root.addAppender(stderr);
    for (String quiet : new String[] {"io.netty", "io.vertx", "org.eclipse.paho"}) {
      context.getLogger(quiet).setLevel(Level.WARN);
    }
    return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
  }
}
