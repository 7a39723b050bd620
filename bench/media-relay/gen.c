// bench/media-relay load generator: G.711 RTP streams (20 ms, 160-byte payload) on loopback, plain RTP or
// WebRTC (ICE-lite client, DTLS client, SRTP), with loss and one-way latency measured per window.
//
// One UDP socket (bound to the wildcard address on one port, SO_BINDTODEVICE lo) stands for every
// endpoint: endpoint i is the address 127.20.0.0 + i + 1 on that port. sendmmsg() sends each packet from
// its endpoint's address (IP_PKTINFO), recvmmsg() reads the destination address back (IP_PKTINFO), so
// thousands of endpoints with distinct tuples cost batched syscalls, not one socket each.
//
// Payload (first 16 bytes, then 0xFF = PCMU silence): stream id u32, packet number u32, send time u64
// (CLOCK_MONOTONIC ns), all big endian. The receiver decrypts (SRTP) just these 16 bytes.
// A video stream sends `burst` packets of `size` payload bytes per 20 ms (e.g. 2 × 1200 B ≈ 1 Mbit/s), RTP
// clock 90 kHz, marker on the last packet of each burst; its stream id word carries 0x10 in its top byte, so
// the payload starts as a VP8 payload descriptor with S=1, PID 0, followed by a byte whose bit 0 (the inverse
// key-frame bit) is 0: an SFU that waits for a key frame before forwarding (mediasoup) takes every packet as one.
//
// Control: one command per line on stdin, replies on stdout (see run.ts):
//   ice <ep> <server ip> <server port> <server ufrag> <server pwd> <local ufrag>   → "ready <ep> <suite>" | "failed <ep> <why>"
//   stream <sid> <src ep> <dst ip> <dst port> <ssrc> <pt> <expected receiving ep> [<size> <burst>]   → "ok"
//                         (with size and burst: a VP8-marked video stream, see above)
//   stop <sid>            → "ok"
//   reset <ep>            → "ok" | "error ready" (forgets a handshake in progress or failed, so `ice` may run again)
//   measure               → "ok" (opens a window)
//   report                → (after a 500 ms grace for packets in flight) "report {json}"
//   quit
// Build: cc -O2 -o gen gen.c -lssl -lcrypto
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#define MAX_EP 16384
#define MAX_STREAMS 32768
#define SLOTS 40                 /* 20 ms in 500 µs slots; every stream sends in one slot per period */
#define SLOT_NS 500000ULL
#define PAYLOAD 160
#define VIDEO_MAX 1200           /* largest video payload */
#define VP8_KEY_MARK 0x10000000u /* top byte of a video stream's id word: VP8 descriptor S=1, PID 0 */
#define BATCH 256
#define HIST_US 200000           /* latency histogram: 1 µs buckets up to 200 ms */
#define LATE_US 100000
#define GRACE_NS 500000000ULL
#define BASE_IP 0x7f140000u      /* 127.20.0.0 */
#define PKT_MAX 2048

enum { EP_NONE = 0, EP_PLAIN, EP_WEBRTC };
enum { W_NONE = 0, W_ICE, W_DTLS, W_READY, W_FAILED };
enum { SUITE_CM80 = 1, SUITE_GCM256 = 8 };

typedef struct {
  uint8_t kind, wstate;
  int suite;
  struct sockaddr_in server;
  uint8_t stun[200];
  int stun_len;
  int tries;
  SSL *ssl;
  BIO *rbio, *wbio;
  uint64_t next_retx_ns, next_consent_ns;
  EVP_CIPHER_CTX *tx, *rx;     /* tx: GCM or CTR; rx: ECB for the first payload block */
  HMAC_CTX *txauth;            /* AES-CM: HMAC-SHA1 */
  uint8_t tx_salt[14], rx_salt[14];
  uint32_t rx_ssrc, rx_roc;
  uint16_t rx_sl;
  uint8_t rx_init;
} Endpoint;

typedef struct {
  uint8_t used, active;
  uint16_t src, dst_ep;
  struct sockaddr_in dst;
  uint32_t ssrc, roc, count, ts;
  uint16_t seq;
  uint8_t pt;
  uint8_t burst;   /* video: packets per 20 ms (0: one G.711 packet) */
  uint16_t size;   /* video: payload bytes per packet */
  int next; /* next stream in the same slot */
  uint32_t win_start, win_end, win_rx;
} Stream;

static Endpoint *eps;
static Stream *streams;
static int slot_head[SLOTS];
static int fd, efd, tfd;
static uint16_t gen_port;
static SSL_CTX *ssl_ctx;
static char fingerprint[200];
static int pending_handshakes;

/* measurement window */
static int measuring;            /* 0 idle, 1 open, 2 grace */
static uint64_t win_t0, win_t1, grace_until;
static struct rusage ru0, ru1;
static uint32_t *hist;
static uint64_t hist_over, hist_max_ns, rx_win, late_hist[101], tx_errors, rx_unknown, rx_misrouted, rx_rtcp, rx_stun, rx_bad, rx_total, tx_total;
static uint64_t tx_total1, rx_total1;
static uint64_t tx_errors0, rx_unknown0, rx_misrouted0, rx_rtcp0, rx_total0, tx_total0, late_max_us;

static uint64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static void die(const char *what) {
  fprintf(stderr, "gen: %s: %s\n", what, strerror(errno));
  exit(1);
}

static void put32(uint8_t *p, uint32_t v) { p[0] = v >> 24; p[1] = v >> 16; p[2] = v >> 8; p[3] = v; }
static uint32_t get32(const uint8_t *p) { return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3]; }
static uint16_t get16(const uint8_t *p) { return (uint16_t)((p[0] << 8) | p[1]); }

static uint32_t ep_ip(int ep) { return BASE_IP + (uint32_t)ep + 1; }

/* ---- STUN (RFC 5389/8445 Binding request of a controlling agent with USE-CANDIDATE) ---------------- */

static uint32_t crc_table[256];
static void crc_init(void) {
  for (uint32_t i = 0; i < 256; i++) {
    uint32_t c = i;
    for (int k = 0; k < 8; k++) c = c & 1 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
    crc_table[i] = c;
  }
}
static uint32_t crc32_buf(const uint8_t *b, size_t n) {
  uint32_t c = 0xFFFFFFFFu;
  for (size_t i = 0; i < n; i++) c = crc_table[(c ^ b[i]) & 0xFF] ^ (c >> 8);
  return c ^ 0xFFFFFFFFu;
}

static int stun_request(uint8_t *b, const char *user, const char *pwd) {
  size_t off = 20, ulen = strlen(user);
  b[0] = 0x00; b[1] = 0x01;
  put32(b + 4, 0x2112A442u);
  RAND_bytes(b + 8, 12);
  b[off] = 0x00; b[off + 1] = 0x06; b[off + 2] = 0; b[off + 3] = (uint8_t)ulen;
  memcpy(b + off + 4, user, ulen);
  off += 4 + ulen;
  while (off % 4) b[off++] = 0;
  b[off] = 0x00; b[off + 1] = 0x24; b[off + 2] = 0; b[off + 3] = 4; put32(b + off + 4, 0x6E7F1EFFu); off += 8;        /* PRIORITY */
  b[off] = 0x80; b[off + 1] = 0x2A; b[off + 2] = 0; b[off + 3] = 8; RAND_bytes(b + off + 4, 8); off += 12;            /* ICE-CONTROLLING */
  b[off] = 0x00; b[off + 1] = 0x25; b[off + 2] = 0; b[off + 3] = 0; off += 4;                                          /* USE-CANDIDATE */
  b[2] = (uint8_t)((off - 20 + 24) >> 8); b[3] = (uint8_t)(off - 20 + 24);
  unsigned int mlen = 20;
  b[off] = 0x00; b[off + 1] = 0x08; b[off + 2] = 0; b[off + 3] = 20;
  HMAC(EVP_sha1(), pwd, (int)strlen(pwd), b, off, b + off + 4, &mlen);                                               /* MESSAGE-INTEGRITY */
  off += 24;
  b[2] = (uint8_t)((off - 20 + 8) >> 8); b[3] = (uint8_t)(off - 20 + 8);
  uint32_t crc = crc32_buf(b, off) ^ 0x5354554Eu;
  b[off] = 0x80; b[off + 1] = 0x28; b[off + 2] = 0; b[off + 3] = 4; put32(b + off + 4, crc); off += 8;                /* FINGERPRINT */
  return (int)off;
}

/* ---- sending one datagram from an endpoint's address ------------------------------------------------ */

static void send_from(int ep, const struct sockaddr_in *to, const void *data, size_t len) {
  char cbuf[CMSG_SPACE(sizeof(struct in_pktinfo))];
  memset(cbuf, 0, sizeof cbuf);
  struct iovec iov = { (void *)data, len };
  struct msghdr m = { .msg_name = (void *)to, .msg_namelen = sizeof *to, .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof cbuf };
  struct cmsghdr *c = CMSG_FIRSTHDR(&m);
  c->cmsg_level = IPPROTO_IP; c->cmsg_type = IP_PKTINFO; c->cmsg_len = CMSG_LEN(sizeof(struct in_pktinfo));
  struct in_pktinfo *pi = (struct in_pktinfo *)CMSG_DATA(c);
  pi->ipi_spec_dst.s_addr = htonl(ep_ip(ep));
  if (sendmsg(fd, &m, 0) < 0) tx_errors++;
}

/* ---- DTLS (client) and SRTP keys ----------------------------------------------------------------------- */

static int verify_any(int ok, X509_STORE_CTX *ctx) { (void)ok; (void)ctx; return 1; }

static void make_ssl_ctx(const char *profile) {
  EVP_PKEY *key = EVP_EC_gen("P-256");
  X509 *cert = X509_new();
  ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
  X509_gmtime_adj(X509_getm_notBefore(cert), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert), 86400 * 30);
  X509_set_pubkey(cert, key);
  X509_NAME *name = X509_get_subject_name(cert);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)"media-relay-bench", -1, -1, 0);
  X509_set_issuer_name(cert, name);
  X509_sign(cert, key, EVP_sha256());
  unsigned char md[32];
  unsigned int mdlen = sizeof md;
  X509_digest(cert, EVP_sha256(), md, &mdlen);
  char *p = fingerprint;
  for (unsigned int i = 0; i < mdlen; i++) p += sprintf(p, i ? ":%02X" : "%02X", md[i]);
  ssl_ctx = SSL_CTX_new(DTLS_client_method());
  if (!ssl_ctx || SSL_CTX_use_certificate(ssl_ctx, cert) != 1 || SSL_CTX_use_PrivateKey(ssl_ctx, key) != 1) {
    fprintf(stderr, "gen: cannot set up the DTLS context\n");
    exit(1);
  }
  SSL_CTX_set_verify(ssl_ctx, SSL_VERIFY_PEER, verify_any);
  SSL_CTX_set_options(ssl_ctx, SSL_OP_NO_QUERY_MTU);
  if (SSL_CTX_set_tlsext_use_srtp(ssl_ctx, profile) != 0) {
    fprintf(stderr, "gen: SRTP profile %s not supported\n", profile);
    exit(1);
  }
}

/* RFC 3711 §4.3.3 key derivation (key derivation rate 0), AES-CM PRF; `salt` is padded to 14 bytes. */
static void srtp_kdf(const uint8_t *mkey, int klen, const uint8_t *msalt, int slen, uint8_t label, uint8_t *out, int outlen) {
  uint8_t x[16] = { 0 }, block[16];
  memcpy(x, msalt, (size_t)slen);
  x[7] ^= label;
  EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
  EVP_EncryptInit_ex(c, klen == 32 ? EVP_aes_256_ecb() : EVP_aes_128_ecb(), NULL, mkey, NULL);
  EVP_CIPHER_CTX_set_padding(c, 0);
  for (int done = 0, ctr = 0; done < outlen; ctr++) {
    x[14] = (uint8_t)(ctr >> 8); x[15] = (uint8_t)ctr;
    int l = 0;
    EVP_EncryptUpdate(c, block, &l, x, 16);
    int n = outlen - done < 16 ? outlen - done : 16;
    memcpy(out + done, block, (size_t)n);
    done += n;
  }
  EVP_CIPHER_CTX_free(c);
}

static void srtp_setup(Endpoint *e) {
  const SRTP_PROTECTION_PROFILE *prof = SSL_get_selected_srtp_profile(e->ssl);
  e->suite = prof ? (int)prof->id : 0;
  int kl = e->suite == SUITE_GCM256 ? 32 : 16, sl = e->suite == SUITE_GCM256 ? 12 : 14;
  uint8_t km[2 * (32 + 14)];
  SSL_export_keying_material(e->ssl, km, (size_t)(2 * (kl + sl)), "EXTRACTOR-dtls_srtp", 19, NULL, 0, 0);
  const uint8_t *ckey = km, *skey = km + kl, *csalt = km + 2 * kl, *ssalt = km + 2 * kl + sl;
  uint8_t txkey[32], rxkey[32], auth[20];
  srtp_kdf(ckey, kl, csalt, sl, 0, txkey, kl);
  srtp_kdf(ckey, kl, csalt, sl, 2, e->tx_salt, sl);
  srtp_kdf(skey, kl, ssalt, sl, 0, rxkey, kl);
  srtp_kdf(skey, kl, ssalt, sl, 2, e->rx_salt, sl);
  e->tx = EVP_CIPHER_CTX_new();
  e->rx = EVP_CIPHER_CTX_new();
  if (e->suite == SUITE_GCM256) {
    EVP_EncryptInit_ex(e->tx, EVP_aes_256_gcm(), NULL, NULL, NULL);
    EVP_CIPHER_CTX_ctrl(e->tx, EVP_CTRL_GCM_SET_IVLEN, 12, NULL);
    EVP_EncryptInit_ex(e->tx, NULL, NULL, txkey, NULL);
    EVP_EncryptInit_ex(e->rx, EVP_aes_256_ecb(), NULL, rxkey, NULL);
  } else {
    EVP_EncryptInit_ex(e->tx, EVP_aes_128_ctr(), NULL, txkey, NULL);
    EVP_EncryptInit_ex(e->rx, EVP_aes_128_ecb(), NULL, rxkey, NULL);
    srtp_kdf(ckey, kl, csalt, sl, 1, auth, 20);
    e->txauth = HMAC_CTX_new();
    HMAC_Init_ex(e->txauth, auth, 20, EVP_sha1(), NULL);
  }
  EVP_CIPHER_CTX_set_padding(e->rx, 0);
}

/* Encrypts the payload of an RTP packet (12-byte header) in place and appends the tag; returns the new length. */
static int srtp_protect(Endpoint *e, uint8_t *pkt, int len, uint32_t ssrc, uint32_t roc, uint16_t seq) {
  int l = 0;
  if (e->suite == SUITE_GCM256) {
    uint8_t iv[12] = { 0 };
    put32(iv + 2, ssrc); put32(iv + 6, roc); iv[10] = (uint8_t)(seq >> 8); iv[11] = (uint8_t)seq;
    for (int i = 0; i < 12; i++) iv[i] ^= e->tx_salt[i];
    EVP_EncryptInit_ex(e->tx, NULL, NULL, NULL, iv);
    EVP_EncryptUpdate(e->tx, NULL, &l, pkt, 12);
    EVP_EncryptUpdate(e->tx, pkt + 12, &l, pkt + 12, len - 12);
    EVP_EncryptFinal_ex(e->tx, pkt + len, &l);
    EVP_CIPHER_CTX_ctrl(e->tx, EVP_CTRL_GCM_GET_TAG, 16, pkt + len);
    return len + 16;
  }
  uint8_t iv[16] = { 0 };
  memcpy(iv, e->tx_salt, 14);
  uint8_t s[4]; put32(s, ssrc);
  for (int i = 0; i < 4; i++) iv[4 + i] ^= s[i];
  uint8_t idx[6] = { (uint8_t)(roc >> 24), (uint8_t)(roc >> 16), (uint8_t)(roc >> 8), (uint8_t)roc, (uint8_t)(seq >> 8), (uint8_t)seq };
  for (int i = 0; i < 6; i++) iv[8 + i] ^= idx[i];
  EVP_EncryptInit_ex(e->tx, NULL, NULL, NULL, iv);
  EVP_EncryptUpdate(e->tx, pkt + 12, &l, pkt + 12, len - 12);
  uint8_t r[4], mac[20];
  unsigned int mlen = 0;
  put32(r, roc);
  HMAC_Init_ex(e->txauth, NULL, 0, NULL, NULL);
  HMAC_Update(e->txauth, pkt, (size_t)len);
  HMAC_Update(e->txauth, r, 4);
  HMAC_Final(e->txauth, mac, &mlen);
  memcpy(pkt + len, mac, 10);
  return len + 10;
}

/* Decrypts the first 16 payload bytes of a received SRTP packet into `out` (no authentication check). */
static void srtp_peek(Endpoint *e, const uint8_t *pkt, int off, uint8_t *out) {
  uint32_t ssrc = get32(pkt + 8);
  uint16_t seq = get16(pkt + 2);
  if (!e->rx_init || e->rx_ssrc != ssrc) {
    e->rx_init = 1; e->rx_ssrc = ssrc; e->rx_roc = 0; e->rx_sl = seq;
  }
  /* RFC 3711 Appendix A: the ROC the sender used */
  uint32_t v = e->rx_roc;
  if (e->rx_sl < 32768) {
    if ((int)seq - (int)e->rx_sl > 32768) v = e->rx_roc - 1;
  } else if ((int)e->rx_sl - 32768 > (int)seq) {
    v = e->rx_roc + 1;
  }
  if (v == e->rx_roc + 1 || (v == e->rx_roc && seq > e->rx_sl)) { e->rx_roc = v; e->rx_sl = seq; }
  uint8_t ctr[16] = { 0 }, ks[16];
  if (e->suite == SUITE_GCM256) {
    put32(ctr + 2, ssrc); put32(ctr + 6, v); ctr[10] = (uint8_t)(seq >> 8); ctr[11] = (uint8_t)seq;
    for (int i = 0; i < 12; i++) ctr[i] ^= e->rx_salt[i];
    ctr[15] = 2; /* GCM: J0 = IV || 1, the first payload block is IV || 2 */
  } else {
    memcpy(ctr, e->rx_salt, 14);
    uint8_t s[4]; put32(s, ssrc);
    for (int i = 0; i < 4; i++) ctr[4 + i] ^= s[i];
    uint8_t idx[6] = { (uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v, (uint8_t)(seq >> 8), (uint8_t)seq };
    for (int i = 0; i < 6; i++) ctr[8 + i] ^= idx[i];
  }
  int l = 0;
  EVP_EncryptUpdate(e->rx, ks, &l, ctr, 16);
  for (int i = 0; i < 16; i++) out[i] = pkt[off + i] ^ ks[i];
}

static void flush_dtls(int ep) {
  Endpoint *e = &eps[ep];
  uint8_t buf[8192];
  int n;
  while ((n = BIO_read(e->wbio, buf, sizeof buf)) > 0) send_from(ep, &e->server, buf, (size_t)n);
}

static void fail_ep(int ep, const char *why) {
  Endpoint *e = &eps[ep];
  if (e->wstate == W_ICE || e->wstate == W_DTLS) pending_handshakes--;
  e->wstate = W_FAILED;
  printf("failed %d %s\n", ep, why);
  fflush(stdout);
}

static void dtls_step(int ep) {
  Endpoint *e = &eps[ep];
  int r = SSL_do_handshake(e->ssl);
  flush_dtls(ep);
  if (r == 1) {
    srtp_setup(e);
    e->wstate = W_READY;
    pending_handshakes--;
    e->next_consent_ns = now_ns() + 2000000000ULL + (uint64_t)(rand() % 3000) * 1000000ULL;
    printf("ready %d %s\n", ep, e->suite == SUITE_GCM256 ? "AEAD_AES_256_GCM" : e->suite == SUITE_CM80 ? "AES_CM_128_HMAC_SHA1_80" : "unknown");
    fflush(stdout);
    return;
  }
  int err = SSL_get_error(e->ssl, r);
  if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) {
    struct timeval tv;
    if (DTLSv1_get_timeout(e->ssl, &tv) == 1) e->next_retx_ns = now_ns() + (uint64_t)tv.tv_sec * 1000000000ULL + (uint64_t)tv.tv_usec * 1000ULL;
    return;
  }
  char why[256];
  ERR_error_string_n(ERR_get_error(), why, sizeof why);
  fail_ep(ep, why[0] ? why : "dtls");
}

/* DTLS retransmission: 400 ms doubling to at most 1 s (OpenSSL's own doubles from 1 s to 60 s, so one lost
   flight late in a handshake stalled an endpoint for minutes); OpenSSL still gives up after 12 timeouts. */
static unsigned int dtls_timer(SSL *ssl, unsigned int previous_us) {
  (void)ssl;
  if (previous_us == 0) return 400000;
  return previous_us >= 500000 ? 1000000 : previous_us * 2;
}

static void start_dtls(int ep) {
  Endpoint *e = &eps[ep];
  e->ssl = SSL_new(ssl_ctx);
  e->rbio = BIO_new(BIO_s_mem());
  e->wbio = BIO_new(BIO_s_mem());
  BIO_set_mem_eof_return(e->rbio, -1);
  BIO_set_mem_eof_return(e->wbio, -1);
  SSL_set_bio(e->ssl, e->rbio, e->wbio);
  SSL_set_connect_state(e->ssl);
  DTLS_set_timer_cb(e->ssl, dtls_timer);
  SSL_set_options(e->ssl, SSL_OP_NO_QUERY_MTU);
  DTLS_set_link_mtu(e->ssl, 1400);
  e->wstate = W_DTLS;
  dtls_step(ep);
}

/* housekeeping for handshakes in progress and ICE consent of ready endpoints */
static uint64_t next_consent_scan;
static void maintain(uint64_t now, int max_ep) {
  if (pending_handshakes > 0) {
    for (int i = 0; i < max_ep; i++) {
      Endpoint *e = &eps[i];
      if (e->wstate == W_ICE && now >= e->next_retx_ns) {
        if (++e->tries > 40) { fail_ep(i, "no-stun-response"); continue; }
        send_from(i, &e->server, e->stun, (size_t)e->stun_len);
        e->next_retx_ns = now + 250000000ULL;
      } else if (e->wstate == W_DTLS && e->next_retx_ns && now >= e->next_retx_ns) {
        e->next_retx_ns = 0;
        if (DTLSv1_handle_timeout(e->ssl) < 0) { fail_ep(i, "dtls-timeout"); continue; }
        flush_dtls(i);
        struct timeval tv;
        if (DTLSv1_get_timeout(e->ssl, &tv) == 1) e->next_retx_ns = now + (uint64_t)tv.tv_sec * 1000000000ULL + (uint64_t)tv.tv_usec * 1000ULL;
      }
    }
  }
  if (now >= next_consent_scan) {
    next_consent_scan = now + 100000000ULL;
    for (int i = 0; i < max_ep; i++) {
      Endpoint *e = &eps[i];
      if (e->wstate == W_READY && now >= e->next_consent_ns) {
        send_from(i, &e->server, e->stun, (size_t)e->stun_len);
        e->next_consent_ns = now + 5000000000ULL;
      }
    }
  }
}

/* ---- sending ---------------------------------------------------------------------------------------- */

static struct mmsghdr smsgs[BATCH];
static struct iovec siov[BATCH];
static uint8_t sbuf[BATCH][VIDEO_MAX + 64];
static char sctl[BATCH][CMSG_SPACE(sizeof(struct in_pktinfo))];
static int sn;

static void flush_send(void) {
  int off = 0;
  while (off < sn) {
    int r = sendmmsg(fd, smsgs + off, (unsigned)(sn - off), 0);
    if (r < 0) {
      if (errno == EINTR) continue;
      tx_errors += (uint64_t)(sn - off);
      break;
    }
    tx_total += (uint64_t)r;
    off += r;
  }
  sn = 0;
}

static void send_slot(int slot) {
  for (int sid = slot_head[slot]; sid >= 0; sid = streams[sid].next) {
    Stream *s = &streams[sid];
    if (!s->active) continue;
    Endpoint *e = &eps[s->src];
    if (e->kind == EP_WEBRTC && e->wstate != W_READY) continue;
    int packets = s->burst ? s->burst : 1;
    for (int k = 0; k < packets; k++) {
    uint8_t *p = sbuf[sn];
    int last = k == packets - 1;
    p[0] = 0x80; p[1] = (uint8_t)(s->pt | (s->burst && last ? 0x80 : 0)); p[2] = (uint8_t)(s->seq >> 8); p[3] = (uint8_t)s->seq;
    put32(p + 4, s->ts); put32(p + 8, s->ssrc);
    put32(p + 12, (uint32_t)sid | (s->burst ? VP8_KEY_MARK : 0)); put32(p + 16, s->count);
    uint64_t t = now_ns();
    put32(p + 20, (uint32_t)(t >> 32)); put32(p + 24, (uint32_t)t);
    int payload = s->burst ? s->size : PAYLOAD;
    memset(p + 28, 0xFF, (size_t)payload - 16);
    int len = 12 + payload;
    if (e->kind == EP_WEBRTC) len = srtp_protect(e, p, len, s->ssrc, s->roc, s->seq);
    siov[sn].iov_base = p; siov[sn].iov_len = (size_t)len;
    struct msghdr *m = &smsgs[sn].msg_hdr;
    m->msg_name = &s->dst; m->msg_namelen = sizeof s->dst;
    m->msg_iov = &siov[sn]; m->msg_iovlen = 1;
    m->msg_control = sctl[sn]; m->msg_controllen = sizeof sctl[sn];
    struct cmsghdr *c = CMSG_FIRSTHDR(m);
    c->cmsg_level = IPPROTO_IP; c->cmsg_type = IP_PKTINFO; c->cmsg_len = CMSG_LEN(sizeof(struct in_pktinfo));
    struct in_pktinfo *pi = (struct in_pktinfo *)CMSG_DATA(c);
    memset(pi, 0, sizeof *pi);
    pi->ipi_spec_dst.s_addr = htonl(ep_ip(s->src));
    s->count++; s->seq++;
    if (last) s->ts += s->burst ? 1800 : 160; /* 20 ms at 90 kHz (video) or 8 kHz (G.711) */
    if (s->seq == 0) s->roc++;
    if (++sn == BATCH) flush_send();
    }
  }
  flush_send();
}

/* ---- receiving -------------------------------------------------------------------------------------- */

static struct mmsghdr rmsgs[BATCH];
static struct iovec riov[BATCH];
static uint8_t rbuf[BATCH][PKT_MAX];
static char rctl[BATCH][CMSG_SPACE(sizeof(struct in_pktinfo)) + 64];
static struct sockaddr_in rfrom[BATCH];

static void on_packet(uint8_t *p, int len, int ep, uint64_t now) {
  rx_total++;
  Endpoint *e = &eps[ep];
  uint8_t b0 = p[0];
  if (b0 < 2) { /* STUN */
    rx_stun++;
    if (len >= 20 && p[0] == 0x01 && p[1] == 0x01 && e->wstate == W_ICE) start_dtls(ep);
    return;
  }
  if (b0 >= 20 && b0 <= 63) { /* DTLS */
    if (e->ssl) {
      BIO_write(e->rbio, p, len);
      if (e->wstate == W_DTLS) dtls_step(ep);
      else { uint8_t junk[2048]; while (SSL_read(e->ssl, junk, sizeof junk) > 0) {} flush_dtls(ep); }
    }
    return;
  }
  if (b0 < 128 || b0 > 191 || len < 12) { rx_bad++; return; }
  if (p[1] >= 192 && p[1] <= 223) { rx_rtcp++; return; }
  int off = 12 + 4 * (b0 & 0x0F);
  if (b0 & 0x10) {
    if (off + 4 > len) { rx_bad++; return; }
    off += 4 + 4 * get16(p + off + 2);
  }
  if (off + 16 > len) { rx_bad++; return; }
  uint8_t head[16];
  if (e->kind == EP_WEBRTC) {
    if (e->wstate != W_READY) { rx_bad++; return; }
    srtp_peek(e, p, off, head);
  } else {
    memcpy(head, p + off, 16);
  }
  uint32_t sid = get32(head) & ~VP8_KEY_MARK, count = get32(head + 4);
  uint64_t sent = ((uint64_t)get32(head + 8) << 32) | get32(head + 12);
  if (sid >= MAX_STREAMS || !streams[sid].used) { rx_unknown++; return; }
  Stream *s = &streams[sid];
  if (s->dst_ep != ep) { rx_misrouted++; return; }
  if (measuring && count >= s->win_start && count < s->win_end && sent <= now) {
    s->win_rx++;
    rx_win++;
    uint64_t d = now - sent, us = d / 1000;
    if (us < HIST_US) hist[us]++; else hist_over++;
    if (d > hist_max_ns) hist_max_ns = d;
  }
}

static void drain_socket(void) {
  for (;;) {
    for (int i = 0; i < BATCH; i++) {
      riov[i].iov_base = rbuf[i]; riov[i].iov_len = PKT_MAX;
      struct msghdr *m = &rmsgs[i].msg_hdr;
      m->msg_name = &rfrom[i]; m->msg_namelen = sizeof rfrom[i];
      m->msg_iov = &riov[i]; m->msg_iovlen = 1;
      m->msg_control = rctl[i]; m->msg_controllen = sizeof rctl[i];
      m->msg_flags = 0;
    }
    int n = recvmmsg(fd, rmsgs, BATCH, MSG_DONTWAIT, NULL);
    if (n <= 0) return;
    uint64_t now = now_ns();
    for (int i = 0; i < n; i++) {
      uint32_t dst = 0;
      for (struct cmsghdr *c = CMSG_FIRSTHDR(&rmsgs[i].msg_hdr); c; c = CMSG_NXTHDR(&rmsgs[i].msg_hdr, c)) {
        if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) dst = ntohl(((struct in_pktinfo *)CMSG_DATA(c))->ipi_addr.s_addr);
      }
      if (dst <= BASE_IP || dst > BASE_IP + MAX_EP) { rx_unknown++; continue; }
      on_packet(rbuf[i], (int)rmsgs[i].msg_len, (int)(dst - BASE_IP - 1), now);
    }
    if (n < BATCH) return;
  }
}

/* ---- measurement windows ------------------------------------------------------------------------------ */

static int max_ep_used, max_sid_used;

static void open_window(void) {
  memset(hist, 0, sizeof(uint32_t) * HIST_US);
  memset(late_hist, 0, sizeof late_hist);
  hist_over = hist_max_ns = rx_win = late_max_us = 0;
  tx_errors0 = tx_errors; rx_unknown0 = rx_unknown; rx_misrouted0 = rx_misrouted; rx_rtcp0 = rx_rtcp; rx_total0 = rx_total; tx_total0 = tx_total;
  for (int i = 0; i <= max_sid_used; i++) {
    Stream *s = &streams[i];
    s->win_start = s->count; s->win_end = UINT32_MAX; s->win_rx = 0;
  }
  win_t0 = now_ns();
  getrusage(RUSAGE_SELF, &ru0);
  measuring = 1;
}

static void close_window(void) {
  win_t1 = now_ns();
  getrusage(RUSAGE_SELF, &ru1);
  tx_total1 = tx_total; rx_total1 = rx_total;
  for (int i = 0; i <= max_sid_used; i++) streams[i].win_end = streams[i].count;
  grace_until = win_t1 + GRACE_NS;
  measuring = 2;
}

static double pct_us(double q, uint64_t total) {
  if (total == 0) return -1;
  uint64_t want = (uint64_t)(q * (double)total), acc = 0;
  if (want >= total) want = total - 1;
  for (int i = 0; i < HIST_US; i++) {
    acc += hist[i];
    if (acc > want) return i + 0.5;
  }
  return (double)hist_max_ns / 1000.0;
}

static void report_window(void) {
  uint64_t sent = 0, dead = 0, active = 0;
  for (int i = 0; i <= max_sid_used; i++) {
    Stream *s = &streams[i];
    if (!s->used) continue;
    uint32_t n = s->win_end - s->win_start;
    sent += n;
    if (n > 0) { active++; if (s->win_rx == 0) dead++; }
  }
  double secs = (double)(win_t1 - win_t0) / 1e9;
  double cpu = ((double)(ru1.ru_utime.tv_sec - ru0.ru_utime.tv_sec) + (double)(ru1.ru_utime.tv_usec - ru0.ru_utime.tv_usec) / 1e6
    + (double)(ru1.ru_stime.tv_sec - ru0.ru_stime.tv_sec) + (double)(ru1.ru_stime.tv_usec - ru0.ru_stime.tv_usec) / 1e6) / secs * 100.0;
  uint64_t late_total = 0, acc = 0;
  for (int i = 0; i <= 100; i++) late_total += late_hist[i];
  int late_p99 = -1;
  for (int i = 0; i <= 100 && late_total; i++) { acc += late_hist[i]; if (acc * 100 >= late_total * 99) { late_p99 = i * 100; break; } }
  uint64_t lost = sent > rx_win ? sent - rx_win : 0;
  printf("report {\"seconds\":%.3f,\"streams\":%" PRIu64 ",\"sent\":%" PRIu64 ",\"received\":%" PRIu64 ",\"lost\":%" PRIu64 ",\"lossPercent\":%.4f,"
    "\"txPps\":%.0f,\"rxPps\":%.0f,\"p50Ms\":%.3f,\"p90Ms\":%.3f,\"p99Ms\":%.3f,\"p999Ms\":%.3f,\"maxMs\":%.3f,\"over200Ms\":%" PRIu64 ","
    "\"deadStreams\":%" PRIu64 ",\"misrouted\":%" PRIu64 ",\"unknown\":%" PRIu64 ",\"rtcp\":%" PRIu64 ",\"txErrors\":%" PRIu64 ","
    "\"genCpuPercent\":%.1f,\"sendLateP99Us\":%d,\"sendLateMaxUs\":%" PRIu64 "}\n",
    secs, active, sent, rx_win, lost, sent ? 100.0 * (double)lost / (double)sent : 0.0,
    (double)(tx_total1 - tx_total0) / secs, (double)(rx_total1 - rx_total0) / secs,
    pct_us(0.5, rx_win) / 1000, pct_us(0.9, rx_win) / 1000, pct_us(0.99, rx_win) / 1000, pct_us(0.999, rx_win) / 1000, (double)hist_max_ns / 1e6, hist_over,
    dead, rx_misrouted - rx_misrouted0, rx_unknown - rx_unknown0, rx_rtcp - rx_rtcp0, tx_errors - tx_errors0,
    cpu, late_p99, late_max_us);
  fflush(stdout);
  measuring = 0;
}

/* ---- control ----------------------------------------------------------------------------------------- */

static void add_stream(int sid, int src, const char *ip, int port, uint32_t ssrc, int pt, int dst_ep, int size, int burst) {
  Stream *s = &streams[sid];
  int fresh = !s->used, next = s->next;
  memset(s, 0, sizeof *s);
  s->used = 1; s->active = 1; s->src = (uint16_t)src; s->dst_ep = (uint16_t)dst_ep;
  s->dst.sin_family = AF_INET; s->dst.sin_port = htons((uint16_t)port); inet_pton(AF_INET, ip, &s->dst.sin_addr);
  s->ssrc = ssrc; s->pt = (uint8_t)pt;
  s->burst = (uint8_t)burst; s->size = (uint16_t)size;
  uint8_t r[6];
  RAND_bytes(r, sizeof r);
  s->seq = (uint16_t)(r[0] << 8 | r[1]);
  s->ts = get32(r + 2);
  s->win_start = 0; s->win_end = measuring == 1 ? UINT32_MAX : 0;
  if (eps[src].kind == EP_NONE) eps[src].kind = EP_PLAIN;
  if (eps[dst_ep].kind == EP_NONE) eps[dst_ep].kind = EP_PLAIN;
  if (src + 1 > max_ep_used) max_ep_used = src + 1;
  if (dst_ep + 1 > max_ep_used) max_ep_used = dst_ep + 1;
  if (sid > max_sid_used) max_sid_used = sid;
  if (fresh) {
    int slot = rand() % SLOTS;
    s->next = slot_head[slot];
    slot_head[slot] = sid;
  } else {
    s->next = next; /* already linked into its slot */
  }
}

static void command(char *line) {
  char ip[64], a[300], b[300], c[300];
  int ep, port, sid, src, pt, dst, size, burst, n;
  unsigned int ssrc;
  if (sscanf(line, "ice %d %63s %d %299s %299s %299s", &ep, ip, &port, a, b, c) == 6) {
    if (ep < 0 || ep >= MAX_EP) { printf("failed %d bad-endpoint\n", ep); fflush(stdout); return; }
    Endpoint *e = &eps[ep];
    if (e->ssl) { printf("failed %d endpoint-in-use\n", ep); fflush(stdout); return; }
    e->kind = EP_WEBRTC;
    e->server.sin_family = AF_INET; e->server.sin_port = htons((uint16_t)port); inet_pton(AF_INET, ip, &e->server.sin_addr);
    char user[620];
    snprintf(user, sizeof user, "%s:%s", a, c);
    e->stun_len = stun_request(e->stun, user, b);
    e->wstate = W_ICE; e->tries = 0;
    pending_handshakes++;
    if (ep + 1 > max_ep_used) max_ep_used = ep + 1;
    send_from(ep, &e->server, e->stun, (size_t)e->stun_len);
    e->next_retx_ns = now_ns() + 250000000ULL;
  } else if ((n = sscanf(line, "stream %d %d %63s %d %u %d %d %d %d", &sid, &src, ip, &port, &ssrc, &pt, &dst, &size, &burst)) == 7 || n == 9) {
    if (n == 7) size = burst = 0;
    if (sid < 0 || sid >= MAX_STREAMS || src < 0 || src >= MAX_EP || dst < 0 || dst >= MAX_EP) { printf("error bad-stream\n"); fflush(stdout); return; }
    if (n == 9 && (size < 32 || size > VIDEO_MAX || burst < 1 || burst > 8)) { printf("error bad-video-stream\n"); fflush(stdout); return; }
    add_stream(sid, src, ip, port, ssrc, pt, dst, size, burst);
    printf("ok\n"); fflush(stdout);
  } else if (sscanf(line, "reset %d", &ep) == 1) {
    if (ep < 0 || ep >= MAX_EP) { printf("error bad-endpoint\n"); fflush(stdout); return; }
    Endpoint *e = &eps[ep];
    if (e->wstate == W_READY) { printf("error ready\n"); fflush(stdout); return; }
    if (e->wstate == W_ICE || e->wstate == W_DTLS) pending_handshakes--;
    if (e->ssl) SSL_free(e->ssl); /* frees its BIOs */
    e->ssl = NULL; e->rbio = e->wbio = NULL;
    e->wstate = W_NONE; e->tries = 0; e->next_retx_ns = 0;
    printf("ok\n"); fflush(stdout);
  } else if (sscanf(line, "stop %d", &sid) == 1) {
    if (sid >= 0 && sid < MAX_STREAMS) streams[sid].active = 0;
    printf("ok\n"); fflush(stdout);
  } else if (strncmp(line, "measure", 7) == 0) {
    open_window();
    printf("ok\n"); fflush(stdout);
  } else if (strncmp(line, "report", 6) == 0) {
    if (measuring == 1) close_window();
  } else if (strncmp(line, "quit", 4) == 0) {
    exit(0);
  } else if (line[0]) {
    printf("error unknown-command\n"); fflush(stdout);
  }
}

static char inbuf[1 << 16];
static size_t inlen;
static void read_stdin(void) {
  ssize_t n = read(0, inbuf + inlen, sizeof inbuf - inlen - 1);
  if (n == 0) exit(0);
  if (n < 0) return;
  inlen += (size_t)n;
  char *start = inbuf, *nl;
  while ((nl = memchr(start, '\n', inlen - (size_t)(start - inbuf)))) {
    *nl = 0;
    command(start);
    start = nl + 1;
  }
  inlen -= (size_t)(start - inbuf);
  memmove(inbuf, start, inlen);
}

int main(int argc, char **argv) {
  const char *profile = "SRTP_AEAD_AES_256_GCM";
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--srtp") && i + 1 < argc) profile = argv[++i];
  }
  prctl(PR_SET_PDEATHSIG, SIGKILL); /* never outlive the bench */
  if (getppid() == 1) return 1;
  setvbuf(stdout, NULL, _IOLBF, 0);
  crc_init();
  srand((unsigned)now_ns());
  eps = calloc(MAX_EP, sizeof *eps);
  streams = calloc(MAX_STREAMS, sizeof *streams);
  hist = calloc(HIST_US, sizeof *hist);
  if (!eps || !streams || !hist) die("calloc");
  for (int i = 0; i < SLOTS; i++) slot_head[i] = -1;
  make_ssl_ctx(profile);

  fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
  if (fd < 0) die("socket");
  int one = 1, big = 64 << 20;
  if (setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, "lo", 3) < 0) die("SO_BINDTODEVICE lo");
  if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof big) < 0) setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &big, sizeof big);
  big = 16 << 20;
  if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &big, sizeof big) < 0) setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &big, sizeof big);
  setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof one);
  struct sockaddr_in any = { .sin_family = AF_INET, .sin_port = 0, .sin_addr = { htonl(INADDR_ANY) } };
  if (bind(fd, (struct sockaddr *)&any, sizeof any) < 0) die("bind");
  socklen_t alen = sizeof any;
  getsockname(fd, (struct sockaddr *)&any, &alen);
  gen_port = ntohs(any.sin_port);

  tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK);
  uint64_t start = now_ns() + 10000000ULL;
  struct itimerspec its = { .it_interval = { 0, (long)SLOT_NS }, .it_value = { (time_t)(start / 1000000000ULL), (long)(start % 1000000000ULL) } };
  timerfd_settime(tfd, TFD_TIMER_ABSTIME, &its, NULL);
  efd = epoll_create1(0);
  struct epoll_event ev = { .events = EPOLLIN };
  ev.data.fd = fd; epoll_ctl(efd, EPOLL_CTL_ADD, fd, &ev);
  ev.data.fd = tfd; epoll_ctl(efd, EPOLL_CTL_ADD, tfd, &ev);
  fcntl(0, F_SETFL, fcntl(0, F_GETFL) | O_NONBLOCK);
  ev.data.fd = 0; epoll_ctl(efd, EPOLL_CTL_ADD, 0, &ev);

  printf("hello %u %s\n", gen_port, fingerprint);
  fflush(stdout);

  uint64_t next_slot_ns = start;
  int slot = 0;
  uint64_t next_maint = 0;
  for (;;) {
    struct epoll_event evs[8];
    int n = epoll_wait(efd, evs, 8, now_ns() >= next_slot_ns ? 0 : 50);
    for (int i = 0; i < n; i++) {
      if (evs[i].data.fd == 0) read_stdin();
      else if (evs[i].data.fd == tfd) { uint64_t x; if (read(tfd, &x, sizeof x) < 0) {} }
    }
    uint64_t now = now_ns();
    /* at most 4 slots per turn, so commands on stdin are served even when the generator falls behind */
    for (int turn = 0; turn < 4 && now >= next_slot_ns; turn++) {
      uint64_t late_us = (now - next_slot_ns) / 1000;
      if (measuring == 1) {
        late_hist[late_us / 100 > 100 ? 100 : late_us / 100]++;
        if (late_us > late_max_us) late_max_us = late_us;
      }
      send_slot(slot);
      drain_socket();
      slot = (slot + 1) % SLOTS;
      next_slot_ns += SLOT_NS;
      now = now_ns();
      if (now > next_slot_ns && now - next_slot_ns > 1000000000ULL) { /* hopelessly behind (suspended?): skip ahead */
        next_slot_ns = now;
      }
    }
    drain_socket();
    if (now >= next_maint) {
      maintain(now, max_ep_used);
      next_maint = now + 5000000ULL;
    }
    if (measuring == 2 && now >= grace_until) report_window();
  }
}
