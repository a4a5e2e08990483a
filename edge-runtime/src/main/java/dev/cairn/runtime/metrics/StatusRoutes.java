package dev.cairn.runtime.metrics;

import dev.cairn.runtime.Gateway;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.Properties;

/**
 * {@code GET /metrics} (Prometheus or OpenMetrics text), {@code GET /v1/status} (JSON) and the status
 * page at {@code GET /} with its assets, all served by the gateway (no internet needed). Handlers only
 * read counters.
 */
public final class StatusRoutes {
  private static final String UPLOT = uplotDir();
  private static final Map<String, String[]> ASSETS = Map.of(
      "/", new String[] {"status/index.html", "text/html; charset=utf-8"},
      "/assets/status.js", new String[] {"status/status.js", "text/javascript; charset=utf-8"},
      "/assets/status.css", new String[] {"status/status.css", "text/css; charset=utf-8"},
      "/favicon.svg", new String[] {"status/favicon.svg", "image/svg+xml"},
      "/favicon.ico", new String[] {"status/favicon.svg", "image/svg+xml"},
      "/assets/uPlot.iife.min.js", new String[] {UPLOT + "uPlot.iife.min.js", "text/javascript; charset=utf-8"},
      "/assets/uPlot.min.css", new String[] {UPLOT + "uPlot.min.css", "text/css; charset=utf-8"});

  private StatusRoutes() {}

  public static void mount(Router router, Gateway gateway) {
    GatewayMetrics metrics = gateway.metrics();
    MetricsScheduler jobs = gateway.scheduler() instanceof MetricsScheduler m ? m : null;
    router.get("/metrics").handler(ctx -> {
      if (metrics == null) {
        ctx.response().setStatusCode(404).end("metrics are off on this gateway (metrics.enabled: false)\n");
        return;
      }
      String accept = ctx.request().getHeader("accept");
      ctx.response().putHeader("content-type", GatewayMetrics.contentType(accept)).end(metrics.scrape(accept));
    });
    router.get("/v1/status").handler(ctx -> {
      if (metrics == null || jobs == null) {
        ctx.response().setStatusCode(404).putHeader("content-type", "application/json")
            .end("{\"error\":\"metrics are off on this gateway (metrics.enabled: false)\"}");
        return;
      }
      ctx.response().putHeader("content-type", "application/json")
          .putHeader("cache-control", "no-store")
          .end(StatusJson.of(gateway, metrics.registry(), jobs.refusals()).encodePrettily());
    });
    ASSETS.forEach((path, asset) -> {
      Buffer body = Buffer.buffer(resource(asset[0]));
      router.get(path).handler(ctx -> serve(ctx, body, asset[1]));
    });
  }

  private static void serve(RoutingContext ctx, Buffer body, String type) {
    ctx.response().putHeader("content-type", type)
        .putHeader("content-security-policy", "default-src 'self'; style-src 'self' 'unsafe-inline'")
        .putHeader("x-content-type-options", "nosniff")
        .end(body);
  }

  private static byte[] resource(String path) {
    try (InputStream in = StatusRoutes.class.getClassLoader().getResourceAsStream(path)) {
      if (in == null) {
        throw new IllegalStateException("the status page's asset " + path + " is missing from the jar");
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Where the uPlot WebJar keeps its files, by the version its pom.properties names. */
  private static String uplotDir() {
    Properties p = new Properties();
    try (InputStream in = StatusRoutes.class.getClassLoader()
        .getResourceAsStream("META-INF/maven/org.webjars.npm/uplot/pom.properties")) {
      if (in == null) {
        throw new IllegalStateException("the uPlot WebJar is missing from the class path");
      }
      p.load(in);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return "META-INF/resources/webjars/uplot/" + p.getProperty("version") + "/dist/";
  }
}
