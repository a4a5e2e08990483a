package dev.cairn.adapters.mqtt.impl;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;

/**
 * Refuses an MQTT packet longer than {@code maxRemainingLength} as soon as its fixed header has arrived,
 * before any of it is buffered. It reads the stream's packet boundaries (a type byte, then the remaining
 * length in one to four bytes) and passes every byte on unchanged; Netty's {@code MqttDecoder} checks the
 * length only once the whole packet is in memory, so a header claiming 256 MB would have it buffer 256 MB.
 * Past a refused packet nothing more is passed on, and a {@link TooLarge} event tells the connection to close.
 */
public final class PacketSizeGuard extends ChannelInboundHandlerAdapter {
  /** A packet's fixed header declared more than the limit. */
  public record TooLarge(long declared, int max) {
    @Override
    public String toString() {
      return "packet of " + declared + " bytes after its fixed header; at most " + max + " are accepted";
    }
  }

  /**
   * Closes the connection now, dropping what waits to be written. Closing the socket (or the channel) goes
   * through Vert.x, which first flushes what is queued: a peer that never reads never lets that finish. A close
   * started from this handler's place in the pipeline passes below Vert.x's handler.
   */
  public static void closeNow(io.vertx.core.internal.net.NetSocketInternal socket) {
    ChannelHandlerContext guard = socket.channelHandlerContext().pipeline().context(PacketSizeGuard.class);
    if (guard != null) {
      guard.close();
    } else {
      socket.channelHandlerContext().channel().unsafe().closeForcibly();
    }
  }

  private final int maxRemainingLength;
  /** Bytes of the current packet's body still to pass; -1 while reading a fixed header. */
  private long toSkip = -1;
  /** Bytes of the current fixed header read so far (the type byte included). */
  private int headerBytes;
  private long length;
  private long multiplier;
  private boolean refused;

  public PacketSizeGuard(int maxRemainingLength) {
    this.maxRemainingLength = maxRemainingLength;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (refused) {
      ReferenceCountUtil.release(msg);
      return;
    }
    if (msg instanceof ByteBuf buf && !scan(buf)) {
      refused = true;
      ReferenceCountUtil.release(msg);
      ctx.fireUserEventTriggered(new TooLarge(length, maxRemainingLength));
      return;
    }
    ctx.fireChannelRead(msg);
  }

  /** Follows the packet boundaries through {@code buf}; false when a packet is too long. */
  private boolean scan(ByteBuf buf) {
    int i = buf.readerIndex();
    int end = buf.writerIndex();
    while (i < end) {
      if (toSkip > 0) {
        long n = Math.min(toSkip, end - i);
        i += (int) n;
        toSkip -= n;
        continue;
      }
      int b = buf.getUnsignedByte(i++);
      if (headerBytes == 0) {
        headerBytes = 1;
        length = 0;
        multiplier = 1;
        continue;
      }
      length += (b & 127) * multiplier;
      multiplier *= 128;
      headerBytes++;
      if ((b & 128) == 0) {
        if (length > maxRemainingLength) {
          return false;
        }
        toSkip = length;
        headerBytes = 0;
      } else if (headerBytes > 4) {
        // A fifth length byte is malformed: the decoder says so and the connection closes; stop following.
        toSkip = Long.MAX_VALUE;
      }
    }
    return true;
  }
}
