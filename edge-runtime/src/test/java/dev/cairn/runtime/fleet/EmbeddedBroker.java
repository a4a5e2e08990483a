package dev.cairn.runtime.fleet;

import com.hivemq.embedded.EmbeddedHiveMQ;
import java.nio.file.Files;
import java.nio.file.Path;

/** A HiveMQ Community Edition broker in the test's JVM, on 127.0.0.1 only, keeping nothing on disk. */
public final class EmbeddedBroker {
  private EmbeddedBroker() {}

  public static EmbeddedHiveMQ start(Path dir, int port) throws Exception {
    Path conf = Files.createDirectories(dir.resolve("conf"));
    Files.writeString(conf.resolve("config.xml"), """
        <?xml version="1.0"?>
        <hivemq>
          <listeners>
            <tcp-listener><port>%d</port><bind-address>127.0.0.1</bind-address></tcp-listener>
          </listeners>
          <anonymous-usage-statistics><enabled>false</enabled></anonymous-usage-statistics>
          <persistence><mode>in-memory</mode></persistence>
        </hivemq>
        """.formatted(port));
    EmbeddedHiveMQ broker = EmbeddedHiveMQ.builder()
        .withConfigurationFolder(conf)
        .withDataFolder(Files.createDirectories(dir.resolve("data")))
        .withExtensionsFolder(Files.createDirectories(dir.resolve("extensions")))
        .withoutLoggingBootstrap()
        .build();
    broker.start().join();
    return broker;
  }
}
