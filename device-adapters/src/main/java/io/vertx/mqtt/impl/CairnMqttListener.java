/*
 * Parts of this file follow io.vertx.mqtt.impl.MqttServerImpl of Eclipse Vert.x MQTT 5.0.7
 * (Copyright (c) 2016 Red Hat Inc., Apache License 2.0 / EPL 2.0).
 */
package io.vertx.mqtt.impl;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.mqtt.MqttConnectMessage;
import io.netty.handler.codec.mqtt.MqttConnectPayload;
import io.netty.handler.codec.mqtt.MqttConnectVariableHeader;
import io.netty.handler.codec.mqtt.MqttDecoder;
import io.netty.handler.codec.mqtt.MqttEncoder;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttUnacceptableProtocolVersionException;
import io.netty.handler.timeout.IdleState;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.AttributeKey;
import io.netty.util.ReferenceCountUtil;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.internal.net.NetSocketInternal;
import io.vertx.core.net.NetServer;
import io.vertx.mqtt.MqttEndpoint;
import io.vertx.mqtt.MqttServerOptions;
import dev.cairn.adapters.mqtt.impl.PacketFramer;

/**
 * Listens for MQTT like {@code MqttServerImpl}, with what a device-facing server needs beyond it:
 * <ul>
 *   <li>every TCP connection is offered to {@link Hooks#admit} before a byte is read (connection limits);
 *   <li>a CONNECT must arrive within the connect timeout of the connection's start, however slowly its
 *       bytes trickle in;
 *   <li>the decoder is given one whole packet at a time ({@link PacketFramer}): a packet longer than the largest
 *       allowed is refused from its fixed header, before it is buffered, and a whole packet the decoder makes
 *       nothing of is malformed (Netty's decoder alone would buffer the claimed length, or wait for ever);
 *   <li>a malformed packet, a packet type a client may not send, or one Vert.x refuses by throwing closes the
 *       connection (the decoder would otherwise discard everything after it and keep the connection open);
 *   <li>a CONNECT that carries a user name but no password keeps its user name: Vert.x MQTT 5.0.7 drops such
 *       a user name ({@code MqttServerConnection.handleConnect} builds {@code MqttAuth} only when both are
 *       present), but the device contract names a device by its user name and {@code mosquitto_pub -u dev1}
 *       sends no password. The CONNECT is given an empty password, and {@link #NO_PASSWORD} marks the channel.
 * </ul>
 * It lives in this package because {@code MqttServerConnection.handleMessage} is package-private. No WebSocket.
 */
public final class CairnMqttListener {
  /** Set on a channel whose CONNECT carried a user name but no password. */
  public static final AttributeKey<Boolean> NO_PASSWORD = AttributeKey.valueOf("cairn.mqtt.noPassword");

  private CairnMqttListener() {}

  /** What the endpoint decides about each connection. All are called on the connection's event loop. */
  public interface Hooks {
    /** A new TCP (or TLS) connection, before anything is read; false closes it at once. */
    boolean admit(NetSocketInternal socket);

    /** An admitted connection closed. */
    void closed(NetSocketInternal socket);

    /** Its CONNECT arrived: accept or reject {@code endpoint}. */
    void connected(MqttEndpoint endpoint, NetSocketInternal socket);

    /**
     * A packet that cannot be served arrived: {@code reason} says what. {@code endpoint} is null before the
     * CONNECT. The hook closes the connection, telling an MQTT 5 client {@code tooLarge} or malformed.
     */
    void refusedPacket(MqttEndpoint endpoint, NetSocketInternal socket, boolean tooLarge, String reason);

    /** A connection failed before it was handed on: a TLS handshake (a certificate refused, a protocol not spoken). */
    void failedBeforeConnect(Throwable cause);
  }

  /** Starts listening; completes with the listening server (for its port and for closing it). */
  public static Future<NetServer> listen(Vertx vertx, MqttServerOptions options, long connectTimeoutMs, Hooks hooks) {
    NetServer server = vertx.createNetServer(options);
    server.exceptionHandler(hooks::failedBeforeConnect);
    server.connectHandler(so -> {
      NetSocketInternal soi = (NetSocketInternal) so;
      if (!hooks.admit(soi)) {
        soi.close();
        return;
      }
      Connection state = new Connection();
      initChannel(soi.channelHandlerContext().pipeline(), options, connectTimeoutMs);
      MqttServerConnection conn = new MqttServerConnection(soi, ep -> {
        state.endpoint = ep;
        vertx.cancelTimer(state.connectTimer);
        hooks.connected(ep, soi);
      }, e -> { }, options);
      state.connectTimer = vertx.setTimer(connectTimeoutMs, id -> {
        if (state.endpoint == null) {
          PacketFramer.closeNow(soi);
        }
      });
      // Not closeHandler: Vert.x sets its own on the socket when the CONNECT arrives.
      soi.channelHandlerContext().channel().closeFuture().addListener(f -> {
        vertx.cancelTimer(state.connectTimer);
        hooks.closed(soi);
      });
      soi.eventHandler(event -> {
        if (event instanceof PacketFramer.Refused r) {
          state.refused = true;
          hooks.refusedPacket(state.endpoint, soi, r.tooLarge(), r.reason());
        }
        ReferenceCountUtil.release(event);
      });
      soi.messageHandler(msg -> {
        if (state.refused) {
          ReferenceCountUtil.release(msg);
          return;
        }
        String problem = problem(msg);
        if (problem != null) {
          state.refused = true;
          ReferenceCountUtil.release(msg);
          hooks.refusedPacket(state.endpoint, soi, false, problem);
          return;
        }
        try {
          synchronized (conn) {
            conn.handleMessage(msg);
          }
        } catch (RuntimeException e) {
          // Vert.x refuses some packets by throwing (one before CONNECT, a second CONNECT, an unknown reason
          // code); the connection goes, the gateway's log gets a line about the client, not an error.
          state.refused = true;
          hooks.refusedPacket(state.endpoint, soi, false, "protocol error: " + e.getMessage());
        }
      });
    });
    return server.listen(options.getPort(), options.getHost());
  }

  /** Per connection, on its event loop. */
  private static final class Connection {
    MqttEndpoint endpoint;
    long connectTimer;
    boolean refused;
  }

  /** Why a decoded message cannot be served, or null when it can. */
  private static String problem(Object msg) {
    if (!(msg instanceof MqttMessage m)) {
      return "not an MQTT packet";
    }
    if (m.decoderResult().isFailure()) {
      Throwable cause = m.decoderResult().cause();
      if (cause instanceof MqttUnacceptableProtocolVersionException) {
        return null; // Vert.x answers it with CONNACK "unacceptable protocol version"
      }
      return "malformed packet: " + cause.getMessage();
    }
    return switch (m.fixedHeader().messageType()) {
      case CONNACK, SUBACK, UNSUBACK, PINGRESP -> m.fixedHeader().messageType() + " is sent by servers, not clients";
      default -> null;
    };
  }

  private static void initChannel(ChannelPipeline pipeline, MqttServerOptions options, long connectTimeoutMs) {
    PacketFramer framer = new PacketFramer(options.getMaxMessageSize());
    pipeline.addBefore("handler", "packetFramer", framer);
    pipeline.addBefore("handler", "mqttEncoder", MqttEncoder.INSTANCE);
    pipeline.addBefore("handler", "mqttDecoder", new MqttDecoder(options.getMaxMessageSize(), options.getMaxClientIdLength()));
    pipeline.addBefore("handler", "decodedCounter", framer.counter());
    pipeline.addBefore("handler", "userNameOnly", new KeepUserNameWithoutPassword());
    // Vert.x removes these two by name when the CONNECT arrives; the timer in listen() is the real deadline.
    int idleSeconds = (int) Math.max(1, (connectTimeoutMs + 999) / 1000);
    pipeline.addBefore("handler", "idle", new IdleStateHandler(idleSeconds, 0, 0));
    pipeline.addBefore("handler", "timeoutOnConnect", new ChannelDuplexHandler() {
      @Override
      public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt instanceof IdleStateEvent e && e.state() == IdleState.READER_IDLE) {
          ctx.channel().close();
        }
        super.userEventTriggered(ctx, evt);
      }
    });
  }

  /** Gives a password-less CONNECT with a user name an empty password, so Vert.x keeps the name. */
  static final class KeepUserNameWithoutPassword extends ChannelInboundHandlerAdapter {
    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
      if (msg instanceof MqttConnectMessage c && c.variableHeader().hasUserName() && !c.variableHeader().hasPassword()) {
        MqttConnectVariableHeader h = c.variableHeader();
        MqttConnectPayload p = c.payload();
        MqttConnectVariableHeader withPassword = new MqttConnectVariableHeader(h.name(), h.version(), true, true,
            h.isWillRetain(), h.willQos(), h.isWillFlag(), h.isCleanSession(), h.keepAliveTimeSeconds(), h.properties());
        MqttConnectPayload payload = new MqttConnectPayload(p.clientIdentifier(), p.willProperties(), p.willTopic(),
            p.willMessageInBytes(), p.userName(), new byte[0]);
        ctx.channel().attr(NO_PASSWORD).set(true);
        ctx.pipeline().remove(this);
        super.channelRead(ctx, new MqttConnectMessage(c.fixedHeader(), withPassword, payload));
        return;
      }
      if (msg instanceof MqttConnectMessage c && !c.variableHeader().hasPassword()) {
        ctx.channel().attr(NO_PASSWORD).set(true);
      }
      if (msg instanceof MqttConnectMessage) {
        ctx.pipeline().remove(this);
      }
      super.channelRead(ctx, msg);
    }
  }
}
