package dev.cairn.adapters.mqtt.impl;

import dev.cairn.adapters.mqtt.MqttEndpointOptions;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.mqtt.MqttConnectReturnCode;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttProperties.MqttPropertyType;
import io.netty.handler.timeout.IdleState;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.internal.net.NetSocketInternal;
import io.vertx.mqtt.MqttEndpoint;
import io.vertx.mqtt.impl.CairnMqttListener;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides a CONNECT: who the device is (certificate, user name, client id), whether it proved it, and the
 * keep-alive and packet size it is held to. A refusal is a CONNACK with the reason code a client can show
 * (MQTT 5 and 3.1.1 codes), and a log line with the address and the reason.
 */
final class ConnectAdmission {
  private static final Logger LOG = LoggerFactory.getLogger(ConnectAdmission.class);
  private static final int MAX_DEVICE_ID_LENGTH = 128;

  /** Why a CONNECT is refused, as each protocol version says it. */
  enum Refusal {
    BAD_CREDENTIALS(MqttConnectReturnCode.CONNECTION_REFUSED_BAD_USERNAME_OR_PASSWORD,
        MqttConnectReturnCode.CONNECTION_REFUSED_BAD_USER_NAME_OR_PASSWORD),
    NOT_AUTHORIZED(MqttConnectReturnCode.CONNECTION_REFUSED_NOT_AUTHORIZED_5,
        MqttConnectReturnCode.CONNECTION_REFUSED_NOT_AUTHORIZED),
    BAD_ID(MqttConnectReturnCode.CONNECTION_REFUSED_CLIENT_IDENTIFIER_NOT_VALID,
        MqttConnectReturnCode.CONNECTION_REFUSED_IDENTIFIER_REJECTED),
    BUSY(MqttConnectReturnCode.CONNECTION_REFUSED_SERVER_BUSY, MqttConnectReturnCode.CONNECTION_REFUSED_SERVER_UNAVAILABLE),
    STOPPING(MqttConnectReturnCode.CONNECTION_REFUSED_SERVER_UNAVAILABLE_5,
        MqttConnectReturnCode.CONNECTION_REFUSED_SERVER_UNAVAILABLE);

    final MqttConnectReturnCode v5;
    final MqttConnectReturnCode v3;

    Refusal(MqttConnectReturnCode v5, MqttConnectReturnCode v3) {
      this.v5 = v5;
      this.v3 = v3;
    }
  }

  private final Vertx vertx;
  private final MqttEndpointOptions options;
  private final PasswordChecks passwords;
  private final int maxPacketSize;

  /**
   * @param passwords the password checks, or null when {@code options.auth()} needs no password
   * @param maxPacketSize the largest packet accepted, header included, told to MQTT 5 clients
   */
  ConnectAdmission(Vertx vertx, MqttEndpointOptions options, PasswordChecks passwords, int maxPacketSize) {
    this.vertx = vertx;
    this.options = options;
    this.passwords = passwords;
    this.maxPacketSize = maxPacketSize;
  }

  /**
   * Decides {@code ep}'s CONNECT, on its event loop; {@code accepted} gets the connection once its CONNACK
   * is sent. {@code tls} says whether it came through the TLS listener.
   */
  void decide(MqttEndpoint ep, NetSocketInternal so, boolean tls, boolean stopping, Consumer<DeviceConnection> accepted) {
    String address = so.remoteAddress() == null ? "?" : so.remoteAddress().hostAddress();
    removeVertxKeepAlive(so.channelHandlerContext().pipeline());
    if (stopping) {
      refuse(ep, address, null, Refusal.STOPPING, "the gateway is stopping");
      return;
    }
    String certId = null;
    if (tls && options.tls().clientCaFile() != null) {
      CertificateIdentity.Result id = CertificateIdentity.of(ep.sslSession(), options.tls().deviceIdFrom());
      if (id.problem() != null) {
        refuse(ep, address, null, Refusal.NOT_AUTHORIZED, id.problem());
        return;
      }
      certId = id.deviceId();
    }
    String user = ep.auth() == null ? null : ep.auth().getUsername();
    boolean hasUser = user != null && !user.isEmpty();
    if (certId != null && hasUser && !user.equals(certId)) {
      refuse(ep, address, user, Refusal.NOT_AUTHORIZED,
          "its user name claims device '" + user + "' but its client certificate names '" + certId + "'");
      return;
    }
    String deviceId = certId != null ? certId : hasUser ? user : ep.clientIdentifier();
    if (deviceId == null || deviceId.isEmpty() || deviceId.length() > MAX_DEVICE_ID_LENGTH || deviceId.contains("/")
        || deviceId.contains("+") || deviceId.contains("#")) {
      refuse(ep, address, deviceId, Refusal.BAD_ID,
          "device id '" + deviceId + "' is empty, longer than " + MAX_DEVICE_ID_LENGTH + " or contains '/', '+' or '#'");
      return;
    }
    if (options.auth().mode().needsCertificate() && certId == null) {
      refuse(ep, address, deviceId, Refusal.NOT_AUTHORIZED, "no client certificate (mqtt.auth: " + options.auth().mode().setting() + ")");
      return;
    }
    if (!options.auth().mode().needsPassword()) {
      accept(ep, so, deviceId, accepted);
      return;
    }
    byte[] password = Boolean.TRUE.equals(so.channelHandlerContext().channel().attr(CairnMqttListener.NO_PASSWORD).get())
        || ep.auth() == null ? null : ep.auth().getPassword().getBytes(StandardCharsets.UTF_8);
    // Nothing the client sends next is read until the password is checked, off this event loop.
    so.pause();
    Context context = vertx.getOrCreateContext();
    String device = deviceId;
    passwords.check(address, deviceId, password).onComplete(ar -> context.runOnContext(v -> {
      if (!so.channelHandlerContext().channel().isActive()) {
        return;
      }
      PasswordChecks.Outcome outcome = ar.succeeded() ? ar.result() : PasswordChecks.Outcome.BUSY;
      switch (outcome) {
        case ACCEPTED -> {
          accept(ep, so, device, accepted);
          so.resume();
        }
        case REFUSED -> refuse(ep, address, device, Refusal.BAD_CREDENTIALS,
            password == null ? "no password given" : "wrong password or unknown device");
        case BUSY -> refuse(ep, address, device, Refusal.BUSY,
            ar.succeeded() ? "too many password checks are waiting" : "the password check failed: " + ar.cause());
        default -> throw new IllegalStateException(outcome.name());
      }
    }));
  }

  private void accept(MqttEndpoint ep, NetSocketInternal so, String deviceId, Consumer<DeviceConnection> accepted) {
    boolean v5 = ep.protocolVersion() == 5;
    int asked = ep.keepAliveTimeSeconds();
    int keepAlive = asked == 0 || asked > options.maxKeepAliveSeconds() ? options.maxKeepAliveSeconds() : asked;
    installKeepAlive(so.channelHandlerContext().pipeline(), keepAlive);
    so.setWriteQueueMaxSize(options.maxQueuedBytesPerConnection());
    DeviceConnection c = new DeviceConnection(ep, so, deviceId, options.topicPrefix(), vertx.getOrCreateContext());
    accepted.accept(c);
    MqttProperties props = MqttProperties.NO_PROPERTIES;
    if (v5) {
      props = new MqttProperties();
      props.add(new MqttProperties.IntegerProperty(MqttPropertyType.MAXIMUM_PACKET_SIZE.value(), maxPacketSize));
      if (keepAlive != asked) {
        props.add(new MqttProperties.IntegerProperty(MqttPropertyType.SERVER_KEEP_ALIVE.value(), keepAlive));
      }
      if (c.grantedExpirySeconds >= 0) {
        props.add(new MqttProperties.IntegerProperty(MqttPropertyType.SESSION_EXPIRY_INTERVAL.value(), (int) c.grantedExpirySeconds));
      }
    }
    ep.accept(c.sessionPresent, props);
    LOG.debug("{} connected (MQTT {}, client id {}, from {}, keep-alive {} s)", deviceId, v5 ? "5" : "3.1.1",
        ep.clientIdentifier(), c.remoteAddress(), keepAlive);
  }

  private static void refuse(MqttEndpoint ep, String address, String deviceId, Refusal why, String reason) {
    boolean v5 = ep.protocolVersion() == 5;
    MqttConnectReturnCode code = v5 ? why.v5 : why.v3;
    LOG.info("refused a connection from {} (device {}, client id {}): {}; CONNACK {} 0x{}", address, deviceId,
        ep.clientIdentifier(), reason, code, Integer.toHexString(code.byteValue() & 0xff));
    ep.reject(code);
  }

  /** Vert.x holds a client to its own keep-alive, or none for 0; the gateway's bound replaces it. */
  private static void removeVertxKeepAlive(ChannelPipeline pipeline) {
    if (pipeline.get("keepAliveHandler") != null) {
      pipeline.remove("keepAliveHandler");
    }
    if (pipeline.get("idle") != null) {
      pipeline.remove("idle");
    }
  }

  /** A connection silent for 1.5 times its keep-alive is closed (MQTT 3.1.1 section 3.1.2.10, MQTT 5 3.1.2.10). */
  private static void installKeepAlive(ChannelPipeline pipeline, int keepAliveSeconds) {
    long timeoutMs = keepAliveSeconds * 1500L;
    pipeline.addBefore("handler", "cairnKeepAlive", new IdleStateHandler(timeoutMs, 0, 0, java.util.concurrent.TimeUnit.MILLISECONDS));
    pipeline.addBefore("handler", "cairnKeepAliveClose", new ChannelDuplexHandler() {
      @Override
      public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt instanceof IdleStateEvent e && e.state() == IdleState.READER_IDLE) {
          LOG.debug("closing a connection from {}: nothing received for {} ms (keep-alive {} s)",
              ctx.channel().remoteAddress(), timeoutMs, keepAliveSeconds);
          ctx.channel().close();
          return;
        }
        super.userEventTriggered(ctx, evt);
      }
    });
  }
}
