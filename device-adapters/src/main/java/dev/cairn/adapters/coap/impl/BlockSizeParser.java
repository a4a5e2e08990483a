package dev.cairn.adapters.coap.impl;

import org.eclipse.californium.core.coap.CoAP.ResponseCode;
import org.eclipse.californium.core.coap.CoAPMessageFormatException;
import org.eclipse.californium.core.coap.Message;
import org.eclipse.californium.elements.util.DatagramReader;
import org.eclipse.californium.core.network.serialization.UdpDataParser;

/**
 * Californium's UDP parser, except that a request whose payload is longer than its Block1 option's
 * size is refused with 4.00. Californium 3.14 checks that with an {@link IllegalStateException}, which
 * its endpoint only logs: the request was dropped unanswered, so a device could only time out.
 */
final class BlockSizeParser extends UdpDataParser {
  BlockSizeParser(boolean strictEmptyMessageFormat) {
    super(strictEmptyMessageFormat, (int[]) null);
  }

  @Override
  public void parseOptionsAndPayload(DatagramReader reader, Message message) {
    try {
      super.parseOptionsAndPayload(reader, message);
    } catch (IllegalStateException e) {
      // The header is read: the refusal can name the message, as any format error does.
      throw new CoAPMessageFormatException(e.getMessage() + " Send blocks no longer than their Block1 option says.",
          message.getToken(),
          message.getMID(), message.getRawCode(), message.isConfirmable(), ResponseCode.BAD_REQUEST);
    }
  }
}
