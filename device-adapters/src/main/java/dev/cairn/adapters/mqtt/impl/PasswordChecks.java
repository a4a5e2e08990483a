package dev.cairn.adapters.mqtt.impl;

import dev.cairn.adapters.auth.CredentialStore;
import dev.cairn.adapters.auth.FailureThrottle;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Device password checks for the endpoint: Argon2id runs on a few threads of its own with a bounded queue
 * (never on an event loop, never unbounded: past the queue a CONNECT is answered "server busy"); an
 * address that keeps failing waits longer before its next check; the password file is re-read when it
 * changes, and the devices it revokes are reported.
 */
final class PasswordChecks implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(PasswordChecks.class);
  /** Checks waiting for a thread; more are refused as busy. */
  static final int MAX_WAITING = 256;

  /** What a check decided. */
  enum Outcome {
    ACCEPTED,
    REFUSED,
    /** Too many checks are waiting; try again later. */
    BUSY
  }

  private final Vertx vertx;
  private final CredentialStore store;
  private final FailureThrottle throttle;
  private final ThreadPoolExecutor threads;
  private final long reloadTimer;

  /**
   * @param revoked called, on a worker thread, with the devices whose password was removed or changed
   */
  PasswordChecks(Vertx vertx, CredentialStore store, long checkEveryMs, Consumer<Set<String>> revoked) {
    this.vertx = vertx;
    this.store = store;
    this.throttle = new FailureThrottle(System::nanoTime);
    // Each Argon2id check holds about 19 MiB: at most half the cores check at once.
    int n = Math.max(1, Runtime.getRuntime().availableProcessors() / 2);
    AtomicInteger ids = new AtomicInteger();
    this.threads = new ThreadPoolExecutor(n, n, 0, TimeUnit.MILLISECONDS, new ArrayBlockingQueue<>(MAX_WAITING), r -> {
      Thread t = new Thread(r, "cairn-password-" + ids.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
    if (store.size() == 0) {
      LOG.warn("mqtt.passwordFile {} holds no device passwords yet: every device is refused until one is added"
          + " (cairn credentials add DEVICE --file {})", store.file(), store.file());
    }
    this.reloadTimer = vertx.setPeriodic(checkEveryMs, id -> vertx.executeBlocking(store::reloadIfChanged, false)
        .onSuccess(r -> {
          switch (r.outcome()) {
            case RELOADED -> {
              LOG.info("mqtt.passwordFile {} re-read: {} devices; revoked: {}", store.file(), store.size(),
                  r.revoked().isEmpty() ? "none" : r.revoked());
              if (!r.revoked().isEmpty()) {
                revoked.accept(r.revoked());
              }
            }
            case REFUSED -> LOG.error("mqtt.passwordFile {} changed but cannot be used, the previous passwords stay in use: {}",
                store.file(), r.error());
            case UNCHANGED -> { }
            default -> throw new IllegalStateException(r.outcome().name());
          }
        })
        .onFailure(e -> LOG.error("mqtt.passwordFile {} could not be checked for changes", store.file(), e)));
  }

  /**
   * Checks {@code password} (null: none given) of {@code deviceId} connecting from {@code address}. An
   * unknown device, a missing and a wrong password take the same work and give the same answer.
   */
  Future<Outcome> check(String address, String deviceId, byte[] password) {
    Promise<Outcome> result = Promise.promise();
    long delay = throttle.delayMillis(address);
    if (delay > 0) {
      LOG.debug("{} from {}: password check delayed {} ms after repeated failures", deviceId, address, delay);
      vertx.setTimer(delay, t -> submit(address, deviceId, password, result));
    } else {
      submit(address, deviceId, password, result);
    }
    return result.future();
  }

  private void submit(String address, String deviceId, byte[] password, Promise<Outcome> result) {
    try {
      threads.execute(() -> {
        boolean ok;
        try {
          ok = store.verify(deviceId, password);
        } catch (RuntimeException e) {
          result.fail(e);
          return;
        }
        if (ok) {
          throttle.recordSuccess(address);
        } else {
          throttle.recordFailure(address);
        }
        result.complete(ok ? Outcome.ACCEPTED : Outcome.REFUSED);
      });
    } catch (RejectedExecutionException e) {
      result.complete(Outcome.BUSY);
    }
  }

  @Override
  public void close() {
    vertx.cancelTimer(reloadTimer);
    threads.shutdownNow();
  }
}
