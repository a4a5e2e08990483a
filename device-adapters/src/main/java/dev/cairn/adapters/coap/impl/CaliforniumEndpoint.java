package dev.cairn.adapters.coap.impl;

import dev.cairn.adapters.codec.JobCodec;
import dev.cairn.adapters.codec.PayloadFormat;
import dev.cairn.adapters.coap.CoapEndpoint;
import dev.cairn.adapters.coap.CoapEndpointOptions;
import dev.cairn.anchor.ReceiptCodec;
import dev.cairn.anchor.ReceiptLookup;
import dev.cairn.scheduler.ErrorCode;
import dev.cairn.scheduler.JobException;
import dev.cairn.scheduler.JobRequest;
import dev.cairn.scheduler.JobResult;
import dev.cairn.scheduler.Scheduler;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.eclipse.californium.core.CoapResource;
import org.eclipse.californium.core.CoapServer;
import org.eclipse.californium.core.coap.CoAP.ResponseCode;
import org.eclipse.californium.core.coap.MediaTypeRegistry;
import org.eclipse.californium.core.coap.Response;
import org.eclipse.californium.core.config.CoapConfig;
import org.eclipse.californium.core.network.CoapEndpoint.Builder;
import org.eclipse.californium.core.network.serialization.UdpDataSerializer;
import org.eclipse.californium.core.server.resources.CoapExchange;
import org.eclipse.californium.core.server.resources.Resource;
import org.eclipse.californium.elements.config.Configuration;
import org.eclipse.californium.elements.config.UdpConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Californium server for the device contract. A job's response is piggybacked when the job finishes
 * within {@link #PIGGYBACK_MS}; otherwise the request is acknowledged and the result follows as a
 * separate response. Results never wait on a Californium thread: completion comes from the scheduler.
 */
public final class CaliforniumEndpoint implements CoapEndpoint {
  private static final Logger LOG = LoggerFactory.getLogger(CaliforniumEndpoint.class);
  /** Well inside CoAP's 2 s ACK_TIMEOUT, so the client does not retransmit a CON meanwhile. */
  static final long PIGGYBACK_MS = 500;
  /** Suggested wait for a device that got BUSY, seconds (Max-Age of the 5.03). */
  static final int BUSY_RETRY_SECONDS = 5;
  private static final Pattern DEVICE = Pattern.compile("[^/+#]{1,128}");
  /**
   * Datagrams are read whole up to the largest UDP payload. With Californium's default of 2 KiB a longer
   * one (a device that does not send block-wise) was cut and dropped without an answer, so the device
   * could only time out; read whole, it is answered like any request.
   */
  static final int MAX_DATAGRAM_BYTES = 65_535;

  static {
    CoapConfig.register();
    UdpConfig.register();
    org.eclipse.californium.scandium.config.DtlsConfig.register();
  }

  private final CoapEndpointOptions options;
  private final Scheduler scheduler;
  private final Receipts receipts;
  private final dev.cairn.scheduler.KeptResults kept;
  private final JobCodec codec = JobCodec.create();
  private final ScheduledExecutorService timer = piggybackTimer();
  /** Recent CoAP jobs by "device/id": the result, or null while running. Bounded LRU. */
  private final Map<String, JobState> jobs;
  private CoapServer server;
  private org.eclipse.californium.core.network.CoapEndpoint endpoint;
  private org.eclipse.californium.core.network.CoapEndpoint dtlsEndpoint;

  record JobState(String deviceId, String jobId, PayloadFormat format, JobResult result) {}

  public CaliforniumEndpoint(CoapEndpointOptions options, Scheduler scheduler, Receipts receipts) {
    this(options, scheduler, receipts, dev.cairn.scheduler.KeptResults.none());
  }

  public CaliforniumEndpoint(CoapEndpointOptions options, Scheduler scheduler, Receipts receipts,
      dev.cairn.scheduler.KeptResults kept) {
    this.kept = kept;
    this.options = options;
    this.scheduler = scheduler;
    this.receipts = receipts;
    int max = options.recentJobs();
    this.jobs = java.util.Collections.synchronizedMap(new LinkedHashMap<>(16, 0.75f, false) {
      private static final long serialVersionUID = 1L;

      @Override
      protected boolean removeEldestEntry(Map.Entry<String, JobState> eldest) {
        return size() > max;
      }
    });
  }

  @Override
  public int start() {
    int maxBody = scheduler.options().maxPayloadBytes();
    // A configuration of its own: createStandardWithoutFile() would change every Californium user's defaults.
    Configuration config = dev.cairn.adapters.coap.CoapEndpoint.boundedDeduplication(new Configuration())
        .set(CoapConfig.MAX_RESOURCE_BODY_SIZE, Math.max(maxBody, 8192))
        .set(CoapConfig.PREFERRED_BLOCK_SIZE, 1024)
        .set(CoapConfig.MAX_MESSAGE_SIZE, 1024)
        .set(UdpConfig.UDP_DATAGRAM_SIZE, MAX_DATAGRAM_BYTES);
    server = new CoapServer(config);
    if (options.plain()) {
      endpoint = new Builder().setConfiguration(config)
          .setDataSerializerAndParser(new UdpDataSerializer(), new BlockSizeParser(config.get(CoapConfig.STRICT_EMPTY_MESSAGE_FORMAT)))
          .setInetSocketAddress(new InetSocketAddress(options.host(), options.port())).build();
      server.addEndpoint(endpoint);
    }
    if (options.dtlsPort() >= 0) {
      config.set(org.eclipse.californium.scandium.config.DtlsConfig.DTLS_ROLE,
          org.eclipse.californium.scandium.config.DtlsConfig.DtlsRole.SERVER_ONLY);
      var dtlsConfig = org.eclipse.californium.scandium.config.DtlsConnectorConfig.builder(config)
          .setAddress(new InetSocketAddress(options.host(), options.dtlsPort()));
      if (!options.pskKeys().isEmpty()) {
        var psk = new org.eclipse.californium.scandium.dtls.pskstore.AdvancedMultiPskStore();
        options.pskKeys().forEach(psk::setKey);
        dtlsConfig.setAdvancedPskStore(psk);
      }
      if (options.certificates() != null) {
        X509Trust trust = X509Trust.load(options.certificates());
        dtlsConfig.setCertificateIdentityProvider(new org.eclipse.californium.scandium.dtls.x509.SingleCertificateProvider(
                trust.privateKey(), trust.chain(), org.eclipse.californium.scandium.dtls.CertificateType.X_509))
            .setAdvancedCertificateVerifier(org.eclipse.californium.scandium.dtls.x509.StaticNewAdvancedCertificateVerifier.builder()
                .setTrustedCertificates(trust.trusted()).build());
        // Devices must present a certificate: it names them.
        config.set(org.eclipse.californium.scandium.config.DtlsConfig.DTLS_CLIENT_AUTHENTICATION_MODE,
            org.eclipse.californium.elements.config.CertificateAuthenticationMode.NEEDED);
      }
      var dtls = new org.eclipse.californium.scandium.DTLSConnector(dtlsConfig.build());
      dtlsEndpoint = new Builder().setConfiguration(config).setConnector(dtls)
          .setDataSerializerAndParser(new UdpDataSerializer(), new BlockSizeParser(config.get(CoapConfig.STRICT_EMPTY_MESSAGE_FORMAT)))
          .build();
      server.addEndpoint(dtlsEndpoint);
    }
    JobsResource jobsResource = new JobsResource();
    server.add(jobsResource, new ReceiptsResource(), new ResultsResource());
    server.start();
    LOG.info("CoAP endpoint listening on {} (coap {}, coaps {})", options.host(), actualPort(), actualDtlsPort());
    return actualPort();
  }

  @Override
  public int actualPort() {
    return endpoint == null ? -1 : endpoint.getAddress().getPort();
  }

  @Override
  public int actualDtlsPort() {
    return dtlsEndpoint == null ? -1 : dtlsEndpoint.getAddress().getPort();
  }

  @Override
  public void stop() {
    if (server != null) {
      server.stop();
      server.destroy();
    }
    timer.shutdownNow();
  }

  /**
   * The device: over DTLS its PSK identity or its certificate's CN (a different {@code ?d=} is refused
   * with 4.03); over plain
   * CoAP the {@code ?d=} it names itself with. Null after answering the refusal.
   */
  private static String device(CoapExchange ex) {
    String d = ex.getQueryParameter("d");
    java.security.Principal peer = ex.advanced().getRequest().getSourceContext().getPeerIdentity();
    if (peer instanceof org.eclipse.californium.elements.auth.PreSharedKeyIdentity psk) {
      if (d != null && !d.equals(psk.getIdentity())) {
        ex.respond(ResponseCode.FORBIDDEN, "this DTLS session is device '" + psk.getIdentity() + "'; it may not act as '" + d + "'");
        return null;
      }
      return psk.getIdentity();
    }
    if (peer instanceof org.eclipse.californium.elements.auth.X509CertPath cert) {
      String cn = cert.getCN();
      if (cn == null || !DEVICE.matcher(cn).matches()) {
        ex.respond(ResponseCode.FORBIDDEN, "the client certificate's subject CN must be the device id (1 to 128 characters, no '/', '+' or '#'); was " + cn);
        return null;
      }
      if (d != null && !d.equals(cn)) {
        ex.respond(ResponseCode.FORBIDDEN, "this DTLS session is device '" + cn + "' (certificate CN); it may not act as '" + d + "'");
        return null;
      }
      return cn;
    }
    if (d == null || !DEVICE.matcher(d).matches()) {
      ex.respond(ResponseCode.BAD_REQUEST, "name the device with the query ?d=<deviceId> (1 to 128 characters, no '/', '+' or '#')");
      return null;
    }
    return d;
  }

  static ResponseCode codeOf(JobResult r) {
    if (r.isOk()) {
      return ResponseCode.CONTENT;
    }
    return switch (r.code()) {
      case BAD_REQUEST -> ResponseCode.BAD_REQUEST;
      case UNKNOWN_KERNEL -> ResponseCode.NOT_FOUND;
      case TOO_LARGE -> ResponseCode.REQUEST_ENTITY_TOO_LARGE;
      case BUSY -> ResponseCode.SERVICE_UNAVAILABLE;
      case FORBIDDEN -> ResponseCode.FORBIDDEN;
      case DUPLICATE -> ResponseCode.CONFLICT;
      case NOT_FOUND -> ResponseCode.NOT_FOUND;
      case DEADLINE_EXCEEDED -> ResponseCode.GATEWAY_TIMEOUT;
      case INTERNAL -> ResponseCode.INTERNAL_SERVER_ERROR;
    };
  }

  private Response response(JobResult r, PayloadFormat format) {
    Response response = new Response(codeOf(r));
    response.setPayload(codec.encode(r, format));
    response.getOptions().setContentFormat(format.coapContentFormat());
    if (!r.isOk() && r.code() == ErrorCode.TOO_LARGE) {
      // The largest job this device can send: the gateway's limit, or less under its bytes-per-second quota.
      int perSecond = scheduler.options().devicePolicies().forDevice(r.deviceId()).bytesPerSecond();
      int max = scheduler.options().maxPayloadBytes();
      response.getOptions().setSize1(perSecond > 0 ? Math.min(max, perSecond) : max);
    }
    if (!r.isOk() && r.code() == ErrorCode.BUSY) {
      response.getOptions().setMaxAge(BUSY_RETRY_SECONDS);
    }
    return response;
  }

  private static PayloadFormat format(CoapExchange ex, byte[] payload) {
    int cf = ex.getRequestOptions().getContentFormat();
    if (cf == MediaTypeRegistry.APPLICATION_CBOR) {
      return PayloadFormat.CBOR;
    }
    if (cf == MediaTypeRegistry.APPLICATION_JSON) {
      return PayloadFormat.JSON;
    }
    return PayloadFormat.sniff(payload);
  }

  /** {@code /jobs}: POST a job; its children {@code /jobs/{id}} are the jobs' states. */
  private final class JobsResource extends CoapResource {
    JobsResource() {
      super("jobs");
      getAttributes().setTitle("Cairn jobs: POST a JobRequest (Content-Format 50 JSON or 60 CBOR) with ?d=<deviceId>");
    }

    @Override
    public Resource getChild(String name) {
      // The instance that holds observe relations must be the one notified later. Observed instances
      // are shared by devices using the same job id; each GET still answers its own device's job.
      JobResource live = observed.get(name);
      return live != null ? live : new JobResource(this, name);
    }

    @Override
    public void handlePOST(CoapExchange ex) {
      String deviceId = device(ex);
      if (deviceId == null) {
        return;
      }
      byte[] payload = ex.getRequestPayload();
      int cf = ex.getRequestOptions().getContentFormat();
      if (cf != MediaTypeRegistry.UNDEFINED && cf != MediaTypeRegistry.APPLICATION_JSON && cf != MediaTypeRegistry.APPLICATION_CBOR) {
        Response r = new Response(ResponseCode.UNSUPPORTED_CONTENT_FORMAT);
        r.setPayload("Content-Format " + cf + " is not supported; use 50 (application/json) or 60 (application/cbor)");
        ex.respond(r);
        return;
      }
      PayloadFormat format = format(ex, payload);
      JobRequest request;
      try {
        if (payload.length > scheduler.options().maxPayloadBytes()) {
          throw new JobException(ErrorCode.TOO_LARGE,
              "payload is " + payload.length + " bytes; this gateway accepts at most " + scheduler.options().maxPayloadBytes());
        }
        request = codec.decode(deviceId, payload, format, scheduler.options().maxElementsPerInput());
      } catch (JobException e) {
        String id = codec.peekId(payload, format);
        scheduler.refusedBeforeSubmit(deviceId, id, e.code(), e.getMessage());
        ex.respond(response(JobResult.error(id, deviceId, e), format));
        return;
      }
      String key = deviceId + "/" + request.id();
      CompletableFuture<JobResult> result = scheduler.submit(request).toCompletableFuture();
      java.util.concurrent.ScheduledFuture<?> separate = null;
      if (!result.isDone()) {
        jobs.putIfAbsent(key, new JobState(deviceId, request.id(), format, null));
        // A quick job is answered piggybacked; a slow one is acknowledged now and answered separately.
        separate = timer.schedule(() -> {
          if (!result.isDone()) {
            ex.accept();
          }
        }, PIGGYBACK_MS, TimeUnit.MILLISECONDS);
      }
      java.util.concurrent.ScheduledFuture<?> accept = separate;
      result.whenComplete((r, e) -> {
        if (accept != null) {
          accept.cancel(false);
        }
        JobResult done = e == null ? r : JobResult.error(request.id(), deviceId, ErrorCode.INTERNAL, "the scheduler failed: " + e);
        if (done.isOk() || jobs.containsKey(key)) {
          jobs.put(key, new JobState(deviceId, request.id(), format, done));
          changed(request.id());
        }
        // Encoded and sent on the exchange's own Californium thread: results complete on the journal's
        // writer thread, which must not spend its time encoding responses.
        ex.advanced().execute(() -> ex.respond(response(done, format)));
      });
    }

    /**
     * Notifies the observers of job {@code id}, if it has any; each observer gets its own device's state
     * of that id. The instance is dropped once nobody observes it.
     */
    private void changed(String id) {
      JobResource live = observed.get(id);
      if (live != null) {
        live.changed();
        if (live.getObserverCount() == 0) {
          observed.remove(id, live);
        }
      }
    }
  }

  /**
   * {@code /jobs/{id}?d=}: the job's state, observable until done. One instance per id, kept while
   * observed, so notifications reach the observers.
   */
  private final Map<String, JobResource> observed = new java.util.concurrent.ConcurrentHashMap<>();

  private final class JobResource extends CoapResource {
    JobResource(CoapResource parent, String id) {
      super(id, false);
      setParent(parent);
      setObservable(true);
    }

    @Override
    public void handleGET(CoapExchange ex) {
      String deviceId = device(ex);
      if (deviceId == null) {
        return;
      }
      JobState state = jobs.get(deviceId + "/" + getName());
      if (state == null) {
        ex.respond(ResponseCode.NOT_FOUND, "no CoAP job '" + getName() + "' of device '" + deviceId + "' is known here");
        return;
      }
      if (state.result() == null) {
        observed.putIfAbsent(getName(), this);
        JobState now = jobs.get(deviceId + "/" + getName());
        if (now != null && now.result() != null) {
          // Finished between the two reads: answer with the result, as no notification will follow.
          ex.respond(response(now.result(), now.format()));
          return;
        }
        byte[] body = ("{\"id\":\"" + state.jobId().replace("\"", "\\\"") + "\",\"status\":\"running\"}").getBytes(StandardCharsets.UTF_8);
        Response r = new Response(ResponseCode.CONTENT);
        r.setPayload(body);
        r.getOptions().setContentFormat(MediaTypeRegistry.APPLICATION_JSON);
        ex.respond(r);
        return;
      }
      ex.respond(response(state.result(), state.format()));
    }
  }

  /** A resource whose children {@code /{name}/{id}?d=} answer a GET for that device's {@code id}. */
  private abstract class ByIdResource extends CoapResource {
    ByIdResource(String name) {
      super(name);
    }

    abstract void get(CoapExchange ex, String deviceId, String id);

    @Override
    public Resource getChild(String name) {
      CoapResource child = new CoapResource(name, false) {
        @Override
        public void handleGET(CoapExchange ex) {
          String deviceId = device(ex);
          if (deviceId != null) {
            get(ex, deviceId, name);
          }
        }
      };
      child.setParent(this);
      return child;
    }
  }

  /** {@code /results/{id}?d=}: the device's kept result of that job, 4.04 with the reason when none is kept. */
  private final class ResultsResource extends ByIdResource {
    ResultsResource() {
      super("results");
    }

    @Override
    void get(CoapExchange ex, String deviceId, String name) {
      PayloadFormat format = ex.getRequestOptions().getAccept() == MediaTypeRegistry.APPLICATION_CBOR
          ? PayloadFormat.CBOR : PayloadFormat.JSON;
      kept.find(deviceId, name).whenComplete((found, e) -> {
        JobResult r = e != null
            ? JobResult.error(name, deviceId, ErrorCode.INTERNAL, "the kept result could not be read: " + e.getMessage())
            : found.orElseGet(() -> JobResult.error(name, deviceId, ErrorCode.NOT_FOUND, notKept(name, deviceId)));
        ex.advanced().execute(() -> ex.respond(response(r, format)));
      });
    }
  }

  /** What a device is told when a fetched job has no kept result. */
  public static String notKept(String jobId, String deviceId) {
    return "no result of job '" + jobId + "' is kept for device '" + deviceId + "': it did not run here, or its result is past "
        + "results.retention";
  }

  /** {@code /receipts/{id}?d=}: the receipt once anchored, 4.04 with the reason until then. */
  private final class ReceiptsResource extends ByIdResource {
    ReceiptsResource() {
      super("receipts");
    }

    @Override
    void get(CoapExchange ex, String deviceId, String name) {
      boolean cbor = ex.getRequestOptions().getAccept() == MediaTypeRegistry.APPLICATION_CBOR;
      receipts.lookup(deviceId, name).whenComplete((lookup, e) -> {
        if (e != null) {
          ex.respond(ResponseCode.SERVICE_UNAVAILABLE, "receipt could not be read: " + e.getMessage());
        } else if (lookup.status() != ReceiptLookup.Status.READY) {
          ex.respond(ResponseCode.NOT_FOUND, lookup.status() + ": " + lookup.detail());
        } else {
          Response r = new Response(ResponseCode.CONTENT);
          r.setPayload(cbor ? ReceiptCodec.toCbor(lookup.receipt()) : ReceiptCodec.toJson(lookup.receipt()));
          r.getOptions().setContentFormat(cbor ? MediaTypeRegistry.APPLICATION_CBOR : MediaTypeRegistry.APPLICATION_JSON);
          ex.respond(r);
        }
      });
    }
  }

  /**
   * The timer that acknowledges slow jobs. Nearly every job finishes well within {@link #PIGGYBACK_MS}
   * and cancels its timer; cancelled timers leave the queue at once, so the timer thread does not wake
   * up for each of them 500 ms later.
   */
  private static ScheduledExecutorService piggybackTimer() {
    java.util.concurrent.ScheduledThreadPoolExecutor t = new java.util.concurrent.ScheduledThreadPoolExecutor(1, r -> {
      Thread thread = new Thread(r, "cairn-coap-timer");
      thread.setDaemon(true);
      return thread;
    });
    t.setRemoveOnCancelPolicy(true);
    return t;
  }
}
