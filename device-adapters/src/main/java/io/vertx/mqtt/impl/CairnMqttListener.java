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
import io.netty.handler.timeout.IdleState;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.ReferenceCountUtil;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.internal.net.NetSocketInternal;
import io.vertx.core.net.NetServer;
import io.vertx.mqtt.MqttEndpoint;
import io.vertx.mqtt.MqttServerOptions;

/**
 * Listens for MQTT like {@code MqttServerImpl}, with one difference: a CONNECT that carries a user
 * name but no password keeps its user name. Vert.x MQTT 5.0.7 drops such a user name
 * ({@code MqttServerConnection.handleConnect} builds {@code MqttAuth} only when both are present),
 * but Cairn's device contract names a device by its MQTT user name, and {@code mosquitto_pub -u dev1}
 * sends no password. The CONNECT is given an empty password before Vert.x reads it. It lives in this
 * package because {@code MqttServerConnection.handleMessage} is package-private. No WebSocket support.
 */
public final class CairnMqttListener {
  private CairnMqttListener() {}

  /** Starts listening; completes with the listening server (for its port and for closing it). */
  public static Future<NetServer> listen(
      Vertx vertx, MqttServerOptions options, Handler<MqttEndpoint> endpointHandler,
      Handler<Throwable> exceptionHandler) {
    NetServer server = vertx.createNetServer(options);
    server.connectHandler(so -> {
      NetSocketInternal soi = (NetSocketInternal) so;
      initChannel(soi.channelHandlerContext().pipeline(), options);
      MqttServerConnection conn = new MqttServerConnection(soi, endpointHandler, exceptionHandler, options);
      soi.eventHandler(ReferenceCountUtil::release);
      soi.messageHandler(msg -> {
        synchronized (conn) {
          conn.handleMessage(msg);
        }
      });
    });
    return server.listen(options.getPort(), options.getHost());
  }

  private static void initChannel(ChannelPipeline pipeline, MqttServerOptions options) {
    pipeline.addBefore("handler", "mqttEncoder", MqttEncoder.INSTANCE);
    pipeline.addBefore("handler", "mqttDecoder", new MqttDecoder(options.getMaxMessageSize(), options.getMaxClientIdLength()));
    pipeline.addBefore("handler", "userNameOnly", new KeepUserNameWithoutPassword());
    pipeline.addBefore("handler", "idle", new IdleStateHandler(options.timeoutOnConnect(), 0, 0));
    pipeline.addBefore("handler", "timeoutOnConnect", new ChannelDuplexHandler() {
      @Override
      public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt instanceof IdleStateEvent e && e.state() == IdleState.READER_IDLE) {
          // MQTT 3.1.1: no CONNECT within a reasonable time closes the connection.
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
        ctx.pipeline().remove(this);
        super.channelRead(ctx, new MqttConnectMessage(c.fixedHeader(), withPassword, payload));
        return;
      }
      if (msg instanceof MqttConnectMessage) {
        ctx.pipeline().remove(this);
      }
      super.channelRead(ctx, msg);
    }
  }
}
