package dev.cairn.runtime.admin;

import dev.cairn.adapters.mqtt.MqttEndpoint;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;

/**
 * Who may use the admin API. With a token (admin.tokenFile) every route but {@code /health} needs
 * {@code Authorization: Bearer <token>}; with client certificates (admin.tls.clientCaFile) the TLS handshake has
 * already proved the operator. A device's receipts may also be read with that device's own credentials (HTTP
 * Basic, its MQTT user name and password), and only its own; when devices have identities (mqtt.auth is not
 * none) they need those credentials or the admin's.
 */
final class AdminAccess {
  private final byte[] tokenDigest;
  private final boolean clientCertificates;
  private final boolean devicesAuthenticated;
  private final MqttEndpoint devices;

  /**
   * @param token the admin token, or null for none
   * @param clientCertificates whether every TLS client proved itself with a certificate
   * @param devicesAuthenticated whether devices have identities (mqtt.auth is not none)
   */
  AdminAccess(String token, boolean clientCertificates, boolean devicesAuthenticated, MqttEndpoint devices) {
    this.tokenDigest = token == null ? null : sha256(token.getBytes(StandardCharsets.UTF_8));
    this.clientCertificates = clientCertificates;
    this.devicesAuthenticated = devicesAuthenticated;
    this.devices = devices;
  }

  /** For routes only the operator may use. */
  void admin(RoutingContext ctx) {
    if (tokenDigest == null || clientCertificates || hasToken(ctx)) {
      ctx.next();
      return;
    }
    unauthorized(ctx, "Bearer realm=\"cairn admin\"", "this admin API needs Authorization: Bearer <the token in admin.tokenFile>");
  }

  /** For {@code /v1/receipts/:deviceId/...}: the operator, or the device itself. */
  void deviceOrAdmin(RoutingContext ctx) {
    boolean operatorProven = clientCertificates || (tokenDigest != null && hasToken(ctx));
    boolean openToAll = tokenDigest == null && !clientCertificates && !devicesAuthenticated;
    if (operatorProven || openToAll) {
      ctx.next();
      return;
    }
    String device = ctx.pathParam("deviceId");
    String[] basic = basic(ctx.request().getHeader("authorization"));
    if (basic == null || !devices.passwordsConfigured()) {
      unauthorized(ctx, devices.passwordsConfigured() ? "Basic realm=\"cairn receipts\", charset=\"UTF-8\"" : "Bearer realm=\"cairn admin\"",
          devices.passwordsConfigured()
              ? "receipts and results of device '" + device + "' need that device's credentials (HTTP Basic: its MQTT user name and password)"
                  + (tokenDigest == null ? "" : " or the admin token")
              : "receipts need the admin token (Authorization: Bearer)");
      return;
    }
    if (!basic[0].equals(device)) {
      deny(ctx, 403, "FORBIDDEN", "device '" + basic[0] + "' may read only its own receipts and results, not those of '" + device + "'");
      return;
    }
    String address = ctx.request().remoteAddress() == null ? "?" : ctx.request().remoteAddress().hostAddress();
    Future<Boolean> ok = devices.authenticate(basic[0], basic[1].getBytes(StandardCharsets.UTF_8), address);
    ok.onComplete(ar -> {
      if (ar.succeeded() && ar.result()) {
        ctx.next();
      } else {
        unauthorized(ctx, "Basic realm=\"cairn receipts\", charset=\"UTF-8\"", "wrong user name or password");
      }
    });
  }

  private boolean hasToken(RoutingContext ctx) {
    String h = ctx.request().getHeader("authorization");
    if (h == null || !h.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return false;
    }
    // Digests of equal length, compared in constant time: how long it takes says nothing of the token.
    return MessageDigest.isEqual(tokenDigest, sha256(h.substring(7).strip().getBytes(StandardCharsets.UTF_8)));
  }

  /** User name and password of an HTTP Basic header, or null. */
  private static String[] basic(String header) {
    if (header == null || !header.regionMatches(true, 0, "Basic ", 0, 6)) {
      return null;
    }
    String decoded;
    try {
      decoded = new String(Base64.getDecoder().decode(header.substring(6).strip()), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      return null;
    }
    int colon = decoded.indexOf(':');
    return colon <= 0 ? null : new String[] {decoded.substring(0, colon), decoded.substring(colon + 1)};
  }

  private static void unauthorized(RoutingContext ctx, String challenge, String detail) {
    ctx.response().putHeader("www-authenticate", challenge);
    deny(ctx, 401, "UNAUTHORIZED", detail);
  }

  private static void deny(RoutingContext ctx, int status, String code, String detail) {
    ctx.response().setStatusCode(status).putHeader("content-type", "application/json")
        .end(new JsonObject().put("status", code).put("detail", detail).encode());
  }

  private static byte[] sha256(byte[] bytes) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(bytes);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
