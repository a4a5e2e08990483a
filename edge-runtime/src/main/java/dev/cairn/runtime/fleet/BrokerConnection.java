package dev.cairn.runtime.fleet;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManagerFactory;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;

/**
 * How Cairn's gateways connect to a broker they share (the fleet broker, the network's broker): one or
 * more URLs tried in turn, clean sessions, a 10 s connect timeout, 30 s keep-alive, TCP_NODELAY (Paho
 * 1.2.5 leaves Nagle on: about 88 ms per QoS 1 round trip), optionally TLS against a pinned CA file and a
 * user name and password; lost connections are retried by the caller after {@link #backoff}.
 */
public final class BrokerConnection {
  static final long MIN_BACKOFF_MS = 500;
  static final long MAX_BACKOFF_MS = 60_000;

  private BrokerConnection() {}

  /** The settings of one broker connection; {@code caFile}, {@code username} and {@code password} may be null. */
  public record Settings(List<String> urls, Path caFile, String username, char[] password) {
    public Settings {
      urls = List.copyOf(urls);
      if (urls.isEmpty()) {
        throw new IllegalArgumentException("a broker connection needs at least one URL");
      }
    }

    /** A plain connection to one broker, as {@code cairn run --fleet-broker URL} gives it. */
    public static Settings of(String url) {
      return new Settings(List.of(url), null, null, null);
    }
  }

  /** Paho's options for {@code s}. */
  public static MqttConnectionOptions options(Settings s) {
    MqttConnectionOptions o = new MqttConnectionOptions();
    o.setServerURIs(s.urls().toArray(String[]::new));
    o.setCleanStart(true);
    o.setConnectionTimeout(10);
    o.setKeepAliveInterval(30);
    o.setAutomaticReconnect(false);
    o.setSocketFactory(s.caFile() == null ? new dev.cairn.runtime.demo.NoDelaySocketFactory() : new NoDelayTls(tls(s.caFile())));
    if (s.username() != null) {
      o.setUserName(s.username());
    }
    if (s.password() != null) {
      o.setPassword(new String(s.password()).getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }
    return o;
  }

  /** Delay before reconnect attempt {@code n} (0-based): 0.5 s doubling up to 60 s, jittered by 0.5 to 1.5. */
  public static long backoff(int n) {
    long base = Math.min(MAX_BACKOFF_MS, MIN_BACKOFF_MS << Math.min(n, 20));
    return (long) (base * (0.5 + ThreadLocalRandom.current().nextDouble()));
  }

  private static SSLSocketFactory tls(Path caFile) {
    try (InputStream in = Files.newInputStream(caFile)) {
      KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
      trust.load(null, null);
      int n = 0;
      for (Certificate c : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
        trust.setCertificateEntry("ca-" + n++, c);
      }
      if (n == 0) {
        throw new IllegalArgumentException(caFile + " holds no PEM certificate; give the CA certificates of the broker");
      }
      TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(trust);
      SSLContext ctx = SSLContext.getInstance("TLSv1.3");
      ctx.init(null, tmf.getTrustManagers(), null);
      return ctx.getSocketFactory();
    } catch (IOException | GeneralSecurityException e) {
      throw new IllegalArgumentException("broker CA file " + caFile + " cannot be used: " + e.getMessage(), e);
    }
  }

  private static Socket noDelay(Socket s) throws IOException {
    s.setTcpNoDelay(true);
    return s;
  }

  /** TLS with TCP_NODELAY (Paho wants an {@link SSLSocketFactory} for ssl:// URLs). */
  private static final class NoDelayTls extends SSLSocketFactory {
    private final SSLSocketFactory d;

    NoDelayTls(SSLSocketFactory d) {
      this.d = d;
    }

    @Override
    public String[] getDefaultCipherSuites() {
      return d.getDefaultCipherSuites();
    }

    @Override
    public String[] getSupportedCipherSuites() {
      return d.getSupportedCipherSuites();
    }

    @Override
    public Socket createSocket() throws IOException {
      return noDelay(d.createSocket());
    }

    @Override
    public Socket createSocket(Socket s, String host, int port, boolean autoClose) throws IOException {
      return d.createSocket(noDelay(s), host, port, autoClose);
    }

    @Override
    public Socket createSocket(String host, int port) throws IOException {
      return noDelay(d.createSocket(host, port));
    }

    @Override
    public Socket createSocket(String host, int port, InetAddress local, int localPort) throws IOException {
      return noDelay(d.createSocket(host, port, local, localPort));
    }

    @Override
    public Socket createSocket(InetAddress host, int port) throws IOException {
      return noDelay(d.createSocket(host, port));
    }

    @Override
    public Socket createSocket(InetAddress host, int port, InetAddress local, int localPort) throws IOException {
      return noDelay(d.createSocket(host, port, local, localPort));
    }
  }
}
