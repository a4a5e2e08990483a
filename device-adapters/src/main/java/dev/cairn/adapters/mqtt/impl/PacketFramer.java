package dev.cairn.adapters.mqtt.impl;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;
import io.vertx.core.internal.net.NetSocketInternal;

/**
 * Cuts the byte stream into MQTT packets by their fixed headers (a type byte, then the remaining length in one
 * to four bytes) and hands Netty's {@code MqttDecoder} one whole packet at a time. Two things follow:
 * <ul>
 *   <li>a packet longer than {@code maxRemainingLength} is refused as soon as its fixed header has arrived,
 *       before it is buffered (the decoder would buffer a header's claimed 256 MB before checking);
 *   <li>a whole packet the decoder makes nothing of is malformed: its inner lengths reach past its end (a
 *       protocol name "5b04 bytes long" in a 16-byte CONNECT), and the decoder, which replays until it has the
 *       bytes it wants, would wait for them forever, or read the next packets as this one's rest.
 * </ul>
 * Past a refused packet nothing more is passed on, and a {@link Refused} event tells the connection to close.
 */
public final class PacketFramer extends ChannelInboundHandlerAdapter {
  /** A packet that is not passed on: too long, or not decodable as a whole. */
  public record Refused(boolean tooLarge, String reason) {
    @Override
    public String toString() {
      return reason;
    }
  }

  /** Bytes of a fixed header at most: the type byte and four of remaining length. */
  private static final int MAX_HEADER = 5;

  private final int maxRemainingLength;
  private CompositeByteBuf pending;
  /** Messages the decoder produced: counted after it in the pipeline. */
  private long decoded;
  private boolean refused;

  public PacketFramer(int maxRemainingLength) {
    this.maxRemainingLength = maxRemainingLength;
  }

  /** The handler to place right after the decoder: it counts what the decoder produced, and passes it on. */
  public ChannelInboundHandlerAdapter counter() {
    return new ChannelInboundHandlerAdapter() {
      @Override
      public void channelRead(ChannelHandlerContext ctx, Object msg) {
        decoded++;
        ctx.fireChannelRead(msg);
      }
    };
  }

  /**
   * Closes the connection now, dropping what waits to be written. Closing the socket (or the channel) goes
   * through Vert.x, which first flushes what is queued: a peer that never reads never lets that finish. A close
   * started from this handler's place in the pipeline passes below Vert.x's handler.
   */
  public static void closeNow(NetSocketInternal socket) {
    ChannelHandlerContext framer = socket.channelHandlerContext().pipeline().context(PacketFramer.class);
    if (framer != null) {
      framer.close();
    } else {
      socket.channelHandlerContext().channel().unsafe().closeForcibly();
    }
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (refused || !(msg instanceof ByteBuf buf)) {
      if (refused) {
        ReferenceCountUtil.release(msg);
      } else {
        ctx.fireChannelRead(msg);
      }
      return;
    }
    if (pending == null) {
      pending = ctx.alloc().compositeBuffer(Integer.MAX_VALUE);
    }
    pending.addComponent(true, buf);
    while (!refused && pending.isReadable()) {
      int at = pending.readerIndex();
      long length = 0;
      long multiplier = 1;
      int header = 1;
      boolean complete = false;
      while (header < MAX_HEADER && at + header < pending.writerIndex()) {
        int b = pending.getUnsignedByte(at + header);
        length += (b & 127) * multiplier;
        multiplier *= 128;
        header++;
        if ((b & 128) == 0) {
          complete = true;
          break;
        }
      }
      if (!complete) {
        if (header == MAX_HEADER) {
          refuse(ctx, false, "malformed packet: its remaining length runs past four bytes");
        }
        break;
      }
      if (length > maxRemainingLength) {
        refuse(ctx, true, "packet of " + length + " bytes after its fixed header; at most " + maxRemainingLength + " are accepted");
        break;
      }
      if (pending.readableBytes() < header + length) {
        break;
      }
      int type = pending.getUnsignedByte(at) >> 4;
      ByteBuf packet = pending.readRetainedSlice(header + (int) length);
      long before = decoded;
      ctx.fireChannelRead(packet);
      if (decoded == before && !refused) {
        refuse(ctx, false, "malformed packet: the decoder could make nothing of a whole packet of type " + type
            + " (its inner lengths reach past its end)");
      }
    }
    if (pending != null) {
      pending.discardReadComponents();
    }
  }

  private void refuse(ChannelHandlerContext ctx, boolean tooLarge, String reason) {
    refused = true;
    release();
    ctx.fireUserEventTriggered(new Refused(tooLarge, reason));
  }

  private void release() {
    if (pending != null) {
      pending.release();
      pending = null;
    }
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) throws Exception {
    release();
    super.channelInactive(ctx);
  }

  @Override
  public void handlerRemoved(ChannelHandlerContext ctx) {
    release();
  }
}
