package dev.cairn.runtime.admin;

import dev.cairn.adapters.codec.JobCodec;
import dev.cairn.adapters.codec.PayloadFormat;
import dev.cairn.scheduler.ErrorCode;
import dev.cairn.scheduler.JobResult;
import dev.cairn.scheduler.KeptResults;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.RoutingContext;

/**
 * {@code GET /v1/results/{device}/{id}}: the device's kept result of that job (as the device got it, with
 * {@code "replayed": true}), or 404 with a {@code NOT_FOUND} result. Access as for receipts.
 */
final class KeptResultRoute {
  private static final JobCodec CODEC = JobCodec.create();

  private KeptResultRoute() {}

  static void handle(RoutingContext ctx, Vertx vertx, KeptResults kept) {
    String device = ctx.pathParam("deviceId");
    String job = ctx.pathParam("jobId");
    PayloadFormat format = String.valueOf(ctx.request().getHeader("accept")).contains("application/cbor")
        ? PayloadFormat.CBOR : PayloadFormat.JSON;
    Future.fromCompletionStage(kept.find(device, job), vertx.getOrCreateContext())
        .onSuccess(found -> {
          JobResult r = found.orElseGet(() -> JobResult.error(job, device, ErrorCode.NOT_FOUND, "no result of job '" + job
              + "' is kept for device '" + device + "': it did not run here, or its result is past results.retention"));
          ctx.response().setStatusCode(found.isPresent() ? 200 : 404).putHeader("content-type", format.contentType())
              .end(Buffer.buffer(CODEC.encode(r, format)));
        })
        .onFailure(e -> ctx.response().setStatusCode(503).putHeader("content-type", "application/json")
            .end(new io.vertx.core.json.JsonObject().put("status", "ERROR").put("detail", e.getMessage()).encode()));
  }
}
