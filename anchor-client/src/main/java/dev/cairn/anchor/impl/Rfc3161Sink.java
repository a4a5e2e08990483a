package dev.cairn.anchor.impl;

import dev.cairn.anchor.AnchorProof;
import dev.cairn.anchor.AnchorSink;
import dev.cairn.anchor.Checkpoint;
import java.io.IOException;
import java.math.BigInteger;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import org.bouncycastle.tsp.TSPAlgorithms;
import org.bouncycastle.tsp.TSPException;
import org.bouncycastle.tsp.TimeStampRequest;
import org.bouncycastle.tsp.TimeStampRequestGenerator;
import org.bouncycastle.tsp.TimeStampResponse;
import org.bouncycastle.tsp.TimeStampToken;

/** RFC 3161 time-stamping of the checkpoint commitment (BouncyCastle TSP, JDK HTTP client). */
public final class Rfc3161Sink implements AnchorSink {
  private final String name;
  private final URI url;
  private final Duration timeout;
  private final HttpClient http;
  private final SecureRandom random = new SecureRandom();

  public Rfc3161Sink(String name, URI url, Duration timeout) {
    this.name = name;
    this.url = url;
    this.timeout = timeout;
    this.http = HttpClient.newBuilder().connectTimeout(timeout).build();
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public CompletionStage<AnchorProof> anchor(Checkpoint checkpoint, byte[] commitment) {
    TimeStampRequestGenerator gen = new TimeStampRequestGenerator();
    gen.setCertReq(true);
    TimeStampRequest request = gen.generate(TSPAlgorithms.SHA256, commitment, new BigInteger(64, random));
    byte[] body;
    try {
      body = request.getEncoded();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    HttpRequest post = HttpRequest.newBuilder(url)
        .timeout(timeout)
        .header("Content-Type", "application/timestamp-query")
        .POST(HttpRequest.BodyPublishers.ofByteArray(body))
        .build();
    return http.sendAsync(post, HttpResponse.BodyHandlers.ofByteArray()).thenApply(resp -> {
      if (resp.statusCode() / 100 != 2) {
        throw new CompletionException(new IOException("TSA " + url + " answered HTTP " + resp.statusCode()));
      }
      try {
        TimeStampResponse tsr = new TimeStampResponse(resp.body());
        tsr.validate(request);
        TimeStampToken token = tsr.getTimeStampToken();
        if (token == null) {
          throw new IOException("TSA " + url + " refused: status " + tsr.getStatus() + " " + tsr.getStatusString());
        }
        return new AnchorProof(name, "rfc3161", Map.of(
            "token", Base64.getEncoder().encodeToString(token.getEncoded()),
            "time", token.getTimeStampInfo().getGenTime().toInstant().toString(),
            "url", url.toString()));
      } catch (IOException | TSPException e) {
        throw new CompletionException(new IOException("TSA " + url + " gave an unusable response: " + e.getMessage(), e));
      }
    });
  }
}
