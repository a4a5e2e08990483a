package dev.cairn.adapters.codec.impl;

import dev.cairn.adapters.codec.JobCodec;
import dev.cairn.adapters.codec.PayloadFormat;
import dev.cairn.scheduler.JobRequest;
import dev.cairn.scheduler.JobResult;

/** Stub. */
public final class JacksonJobCodec implements JobCodec {
  @Override
  public JobRequest decode(String deviceId, byte[] payload, PayloadFormat format, int maxElementsPerInput) {
    throw new UnsupportedOperationException();
  }

  @Override
  public String peekId(byte[] payload, PayloadFormat format) {
    return null;
  }

  @Override
  public byte[] encode(JobResult result, PayloadFormat format) {
    throw new UnsupportedOperationException();
  }
}
