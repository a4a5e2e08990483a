package dev.cairn.adapters.codec;

import dev.cairn.scheduler.JobException;
import dev.cairn.scheduler.JobRequest;
import dev.cairn.scheduler.JobResult;

/**
 * Decodes JobRequests and encodes JobResults in JSON or CBOR, with the field names of the device
 * contract. Thread-safe.
 */
public interface JobCodec {

  static JobCodec create() {
    return new dev.cairn.adapters.codec.impl.JacksonJobCodec();
  }

  /**
   * Decodes a request from {@code deviceId}.
   *
   * @throws JobException {@code BAD_REQUEST} naming the field that is wrong and what is allowed, or
   *     {@code TOO_LARGE} when an input has more than {@code maxElementsPerInput} elements
   */
  JobRequest decode(String deviceId, byte[] payload, PayloadFormat format, int maxElementsPerInput);

  /**
   * Reads just the job id of a payload that failed to decode, so the error result can name it;
   * {@code null} when there is none to be had.
   */
  String peekId(byte[] payload, PayloadFormat format);

  byte[] encode(JobResult result, PayloadFormat format);
}
