/*
 * nslab's in-process path into network namespaces (see src/netlink/).
 *
 * configure(nsPath, ops, keepGoing) runs a namespace's configuration without
 * starting a process, off node's main thread (libuv's pool): a new thread
 * joins the namespace (setns works per thread, so node's own threads never
 * leave theirs), opens a netlink socket there and runs the operations in
 * order — rtnetlink requests encoded by src/netlink/encode.ts, and sysctl
 * writes, which /proc/sys resolves in the writing thread's namespace — then
 * ends. Starting `nsenter … ip -batch` costs
 * ≈ 2.3 ms a namespace on the machine this was measured on; a thread and a
 * socket cost tens of µs.
 *
 * ops is a sequence of records, each u32 kind, u32 payload length, payload:
 *   kind 1 (netlink): u32 patches, each { u32 offset, u32 name length, name
 *     padded to 4 } — the interface index of that name is written at that
 *     offset of the message, as ip does — then the message itself;
 *   kind 2 (sysctl): u32 path length, path padded to 4, then the value;
 *   kind 3 (query): as kind 1, and the kernel's answer comes back: every
 *     message of that sequence number before the ack, or before NLMSG_DONE
 *     for a dump (NLM_F_DUMP, which the kernel never acks).
 * Resolves to one entry per record: 0 (done), a Buffer (a query's answer),
 * null (not run: an earlier one failed), or [errno, strerror text, the
 * kernel's extended-ack message].
 */
#define NAPI_VERSION 8
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/netlink.h>
#include <net/if.h>
#include <node_api.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#ifndef NSLAB_SOURCE_HASH
#define NSLAB_SOURCE_HASH "unknown"
#endif

#define MAX_OPS 65536
#define TEXT 256

typedef struct {
  int code;           /* 0 done, -1 not run, > 0 errno */
  char text[TEXT];    /* strerror */
  char extack[TEXT];  /* the kernel's message, if any */
  uint8_t *reply;     /* a query's answer (malloc'd), or NULL */
  size_t reply_len;
} result_t;

typedef struct {
  const char *ns_path;
  uint8_t *ops;
  size_t ops_len;
  int keep_going;
  size_t count;
  result_t *results;
  int fatal; /* errno of a failure before any record ran (open, setns, socket) */
  char fatal_where[64];
} job_t;

static uint32_t rd32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }
static size_t pad4(size_t n) { return (n + 3) & ~(size_t)3; }

/* GNU strerror_r may return a static string instead of filling the buffer */
static void error_text(int err, char *out) {
  char tmp[TEXT];
  snprintf(out, TEXT, "%s", strerror_r(err, tmp, TEXT));
}

static void set_error(result_t *r, int err) {
  r->code = err;
  error_text(err, r->text);
}

/* A query's answer grows by one message. */
static int append_reply(result_t *r, const struct nlmsghdr *a) {
  uint8_t *grown = realloc(r->reply, r->reply_len + a->nlmsg_len);
  if (!grown) return 0;
  memcpy(grown + r->reply_len, a, a->nlmsg_len);
  r->reply = grown;
  r->reply_len += a->nlmsg_len;
  return 1;
}

/* One request, one answer: the kernel's ack for this sequence number (and, for a query, what it sent before the ack or the dump's end). */
static void netlink_op(int nl, uint32_t seq, uint8_t *msg, size_t len, result_t *r, int query) {
  struct nlmsghdr *h = (struct nlmsghdr *)msg;
  if (len < sizeof(*h) || h->nlmsg_len != len) { set_error(r, EINVAL); return; }
  h->nlmsg_seq = seq;
  h->nlmsg_flags |= NLM_F_ACK;
  struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
  if (sendto(nl, msg, len, 0, (struct sockaddr *)&kernel, sizeof(kernel)) < 0) { set_error(r, errno); return; }
  static __thread uint8_t buf[65536];
  for (;;) {
    ssize_t n = recv(nl, buf, sizeof(buf), 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      set_error(r, errno);
      return;
    }
    for (struct nlmsghdr *a = (struct nlmsghdr *)buf; NLMSG_OK(a, (size_t)n); a = NLMSG_NEXT(a, n)) {
      if (a->nlmsg_seq != seq) continue;
      if (a->nlmsg_type == NLMSG_DONE) {
        /* a dump's end: an int, the dump's error (0 or -errno) */
        int err = a->nlmsg_len >= NLMSG_LENGTH(sizeof(int)) ? *(int *)NLMSG_DATA(a) : 0;
        if (err < 0) set_error(r, -err);
        else r->code = 0;
        return;
      }
      if (a->nlmsg_type != NLMSG_ERROR) {
        if (query && !append_reply(r, a)) { set_error(r, ENOMEM); return; }
        continue;
      }
      struct nlmsgerr *e = NLMSG_DATA(a);
      if (e->error == 0) { r->code = 0; return; }
      set_error(r, -e->error);
      if (a->nlmsg_flags & NLM_F_ACK_TLVS) {
        /* with NETLINK_CAP_ACK the attributes follow the error's header */
        uint8_t *t = (uint8_t *)e + sizeof(*e);
        uint8_t *end = (uint8_t *)a + a->nlmsg_len;
        while (t + 4 <= end) {
          uint16_t alen, atype;
          memcpy(&alen, t, 2);
          memcpy(&atype, t + 2, 2);
          if (alen < 4 || t + alen > end) break;
          if ((atype & 0x3fff) == NLMSGERR_ATTR_MSG) {
            size_t m = alen - 4 < TEXT - 1 ? alen - 4 : TEXT - 1;
            memcpy(r->extack, t + 4, m);
            r->extack[m] = 0;
          }
          t += pad4(alen);
        }
      }
      return;
    }
  }
}

static void sysctl_op(const char *path, const uint8_t *value, size_t len, result_t *r) {
  int fd = open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0) { set_error(r, errno); snprintf(r->extack, TEXT, "open"); return; }
  ssize_t n = write(fd, value, len);
  int err = n < 0 ? errno : (size_t)n != len ? EIO : 0;
  close(fd);
  if (err) { set_error(r, err); snprintf(r->extack, TEXT, "write"); return; }
  r->code = 0;
}

static int if_index(int sock, const char *name) {
  struct ifreq ifr;
  memset(&ifr, 0, sizeof(ifr));
  if (strlen(name) >= IFNAMSIZ) return 0;
  strcpy(ifr.ifr_name, name);
  if (ioctl(sock, SIOCGIFINDEX, &ifr) < 0) return 0;
  return ifr.ifr_ifindex;
}

static void *run_job(void *arg) {
  job_t *j = arg;
  int nsfd = open(j->ns_path, O_RDONLY | O_CLOEXEC);
  if (nsfd < 0) { j->fatal = errno; snprintf(j->fatal_where, 64, "open"); return NULL; }
  if (setns(nsfd, CLONE_NEWNET) < 0) { j->fatal = errno; snprintf(j->fatal_where, 64, "setns"); close(nsfd); return NULL; }
  close(nsfd);
  int nl = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
  int ioc = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (nl < 0 || ioc < 0) { j->fatal = errno; snprintf(j->fatal_where, 64, "socket"); goto out; }
  int one = 1;
  setsockopt(nl, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
  setsockopt(nl, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
  struct sockaddr_nl local = { .nl_family = AF_NETLINK };
  if (bind(nl, (struct sockaddr *)&local, sizeof(local)) < 0) { j->fatal = errno; snprintf(j->fatal_where, 64, "bind"); goto out; }
  int failed = 0;
  size_t off = 0;
  for (size_t i = 0; i < j->count; i++) {
    result_t *r = &j->results[i];
    uint32_t kind = rd32(j->ops + off), len = rd32(j->ops + off + 4);
    uint8_t *p = j->ops + off + 8;
    off += 8 + pad4(len);
    if (failed && !j->keep_going) continue; /* stays "not run" */
    if (kind == 1 || kind == 3) {
      /* the records come from encode.ts; still, nothing outside this record is read */
      uint32_t patches = len >= 4 ? rd32(p) : 0;
      size_t msg_at = 4;
      for (uint32_t k = 0; k < patches && msg_at + 8 <= len; k++) msg_at += 8 + pad4(rd32(p + msg_at + 4));
      if (len < 4 || msg_at + sizeof(struct nlmsghdr) > len) { set_error(r, EINVAL); failed = 1; continue; }
      uint8_t *msg = p + msg_at;
      int missing = 0;
      for (uint32_t k = 0, at = 4; k < patches && !missing; k++) {
        uint32_t where = rd32(p + at), nlen = rd32(p + at + 4);
        char name[IFNAMSIZ + 1] = {0};
        memcpy(name, p + at + 8, nlen < IFNAMSIZ ? nlen : IFNAMSIZ);
        at += 8 + pad4(nlen);
        int32_t idx = if_index(ioc, name);
        if (idx && where + 4 <= len - msg_at) {
          memcpy(msg + where, &idx, 4);
        } else {
          /* what ip says before it sends anything */
          missing = 1;
          set_error(r, ENODEV);
          snprintf(r->extack, TEXT, "Cannot find device \"%s\"", name);
        }
      }
      if (!missing) netlink_op(nl, (uint32_t)i + 1, msg, len - msg_at, r, kind == 3);
    } else if (kind == 2) {
      uint32_t plen = len >= 4 ? rd32(p) : UINT32_MAX;
      char path[4096];
      if (plen >= sizeof(path) || 4 + pad4(plen) > len) { set_error(r, EINVAL); }
      else {
        memcpy(path, p + 4, plen);
        path[plen] = 0;
        sysctl_op(path, p + 4 + pad4(plen), len - 4 - pad4(plen), r);
      }
    } else {
      set_error(r, EINVAL);
    }
    if (r->code != 0) failed = 1;
  }
out:
  if (nl >= 0) close(nl);
  if (ioc >= 0) close(ioc);
  return NULL;
}

/* ---- node binding ---- */

#define CHECK(call) do { if ((call) != napi_ok) { napi_throw_error(env, NULL, "nslab native: " #call " failed"); return NULL; } } while (0)

static napi_value str(napi_env env, const char *s) {
  napi_value v;
  napi_create_string_utf8(env, s, NAPI_AUTO_LENGTH, &v);
  return v;
}

/* One call: its own copies of the path and the records, so JS may drop them. */
typedef struct {
  napi_async_work work;
  napi_deferred deferred;
  char ns_path[4096];
  job_t job;
} call_t;

static void free_call(call_t *c) {
  for (size_t i = 0; c->job.results && i < c->job.count; i++) free(c->job.results[i].reply);
  free(c->job.ops);
  free(c->job.results);
  free(c);
}

/*
 * On a thread of libuv's pool: the work itself runs on a thread of its own,
 * made for it and ended with it, so the pool's thread never changes
 * namespace (node's file system calls run on those threads).
 */
static void execute(napi_env env, void *data) {
  (void)env;
  call_t *c = data;
  pthread_t t;
  int err = pthread_create(&t, NULL, run_job, &c->job);
  if (err) { c->job.fatal = err; snprintf(c->job.fatal_where, 64, "pthread_create"); return; }
  pthread_join(t, NULL);
}

static napi_value results_value(napi_env env, const job_t *j) {
  napi_value out;
  if (j->fatal) {
    /* the namespace could not be entered: one answer for the whole call */
    char text[TEXT];
    error_text(j->fatal, text);
    napi_create_object(env, &out);
    napi_value code;
    napi_create_int32(env, j->fatal, &code);
    napi_set_named_property(env, out, "errno", code);
    napi_set_named_property(env, out, "text", str(env, text));
    napi_set_named_property(env, out, "where", str(env, j->fatal_where));
    return out;
  }
  napi_create_array_with_length(env, j->count, &out);
  for (size_t i = 0; i < j->count; i++) {
    napi_value v;
    const result_t *r = &j->results[i];
    if (r->code == 0 && r->reply) napi_create_buffer_copy(env, r->reply_len, r->reply, NULL, &v);
    else if (r->code == 0) napi_create_int32(env, 0, &v);
    else if (r->code < 0) napi_get_null(env, &v);
    else {
      napi_value code;
      napi_create_array_with_length(env, 3, &v);
      napi_create_int32(env, r->code, &code);
      napi_set_element(env, v, 0, code);
      napi_set_element(env, v, 1, str(env, r->text));
      napi_set_element(env, v, 2, str(env, r->extack));
    }
    napi_set_element(env, out, i, v);
  }
  return out;
}

static void complete(napi_env env, napi_status status, void *data) {
  call_t *c = data;
  if (status == napi_ok) napi_resolve_deferred(env, c->deferred, results_value(env, &c->job));
  else napi_reject_deferred(env, c->deferred, str(env, "nslab native: the call was cancelled"));
  napi_delete_async_work(env, c->work);
  free_call(c);
}

/* configure(nsPath, ops, keepGoing): a promise of the answers (see the header). */
static napi_value configure(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 3) { napi_throw_type_error(env, NULL, "configure(nsPath, ops, keepGoing)"); return NULL; }
  call_t *c = calloc(1, sizeof(call_t));
  if (!c) { napi_throw_error(env, NULL, "nslab native: out of memory"); return NULL; }
  job_t *j = &c->job;
  size_t ns_len;
  void *data;
  bool keep;
  if (napi_get_value_string_utf8(env, argv[0], c->ns_path, sizeof(c->ns_path), &ns_len) != napi_ok ||
      napi_get_buffer_info(env, argv[1], &data, &j->ops_len) != napi_ok || napi_get_value_bool(env, argv[2], &keep) != napi_ok) {
    free_call(c);
    napi_throw_type_error(env, NULL, "configure(nsPath: string, ops: Buffer, keepGoing: boolean)");
    return NULL;
  }
  j->ns_path = c->ns_path;
  j->keep_going = keep;
  /* count and bound-check the records before any thread touches them */
  for (size_t off = 0; off < j->ops_len; j->count++) {
    uint32_t len = off + 8 <= j->ops_len ? rd32((uint8_t *)data + off + 4) : 0;
    if (off + 8 > j->ops_len || j->count >= MAX_OPS || off + 8 + len > j->ops_len) {
      free_call(c);
      napi_throw_range_error(env, NULL, "nslab native: malformed ops");
      return NULL;
    }
    off += 8 + pad4(len);
  }
  j->ops = malloc(j->ops_len ? j->ops_len : 1);
  j->results = calloc(j->count ? j->count : 1, sizeof(result_t));
  if (!j->ops || !j->results) { free_call(c); napi_throw_error(env, NULL, "nslab native: out of memory"); return NULL; }
  memcpy(j->ops, data, j->ops_len);
  for (size_t i = 0; i < j->count; i++) j->results[i].code = -1;
  napi_value promise, name;
  CHECK(napi_create_promise(env, &c->deferred, &promise));
  CHECK(napi_create_string_utf8(env, "nslab:configure", NAPI_AUTO_LENGTH, &name));
  CHECK(napi_create_async_work(env, NULL, name, execute, complete, c, &c->work));
  CHECK(napi_queue_async_work(env, c->work));
  return promise;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_value fn;
  napi_create_function(env, "configure", NAPI_AUTO_LENGTH, configure, NULL, &fn);
  napi_set_named_property(env, exports, "configure", fn);
  napi_set_named_property(env, exports, "sourceHash", str(env, NSLAB_SOURCE_HASH));
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
