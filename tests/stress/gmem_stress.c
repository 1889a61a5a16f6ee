// SPDX-License-Identifier: GPL-2.0-only
/*
 * Bounded-time stress test of iommufd mappings of KVM guest_memfd.
 *
 * A software-protected VM (KVM_X86_SW_PROTECTED_VM) owns private guest_memfd
 * files, each bound to a memslot.  Threads map and unmap ranges of the current
 * file into one IOAS, punch holes into it, convert its gfns between shared and
 * private, attach and destroy mock domains, replace the file by a new one, and
 * inject memory failures into shared guest_memfd files of another VM (at most
 * MAX_POISONS pages, poisoned for good), allocate pages back with fallocate(),
 * all while an auditor asks the kernel (IOMMU_TEST_OP_GMEM_AUDIT) whether the
 * IOPTEs of the guest_memfd areas disagree with guest_memfd: an IOPTE in a
 * revoked area or at an invalidated offset, an IOPTE pointing at a page that
 * guest_memfd no longer holds at that offset, or a page of an area that no
 * IOPTE maps.  Every EXACT_EVERY-th audit waits until no conversion,
 * punch-hole, fallocate() or map is in progress, and requires the converse
 * too: every page that guest_memfd holds in a live area is mapped.
 *
 * Usage: gmem_stress [SECONDS]   (default 10).  Output is KTAP.
 * Needs CONFIG_IOMMUFD_TEST and KVM with software-protected VMs (x86).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <linux/falloc.h>
#include <linux/iommufd.h>
#include <linux/kvm.h>

#include "iommufd_test.h"

#define KSFT_SKIP 4
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#define PAGE_SIZE 4096UL
#define GMEM_PAGES 256
#define GMEM_SIZE (GMEM_PAGES * PAGE_SIZE)
#define GMEM_GPA 0x100000ULL
/* Memslot ids are reused, oldest first, beyond this many */
#define MAX_SLOTS 1024
#define NR_MAPS 64
#define MAX_MAP_PAGES 32
#define MAX_CONVERT_PAGES 8
#define MAX_PUNCH_PAGES 4
#define REOPEN_MS 200
#define POISON_MS 1000
#define MAX_POISONS 10
#define AUDIT_MS 50
#define EXACT_EVERY 4
#define MAX_FILL_PAGES 8
/* Errnos are below the kernel's MAX_ERRNO */
#define MAX_ERRNO 4096

struct worker {
	const char *name;
	void *(*fn)(void *arg);
	pthread_t thread;
	unsigned int seed;
	/* Successful operations: conversions, punches, maps, ... */
	unsigned long ops;
	/* Successful unmaps, mappers only */
	unsigned long unmaps;
	/* Tolerated failures, by errno */
	unsigned long errnos[MAX_ERRNO];
};

/* A guest_memfd file bound to a memslot */
struct gmem {
	int fd;
	unsigned int slot;
	__u64 gpa;
	/* Users, plus one while it is the current file; under gmem_lock */
	unsigned int refs;
};

struct mapping {
	__u64 iova;
	__u64 length;
};

struct audit_stats {
	unsigned long audits;
	/* Audits that saw a live area with mapped pages: "live" audits */
	unsigned long live_audits;
	unsigned long live_areas;
	unsigned long revoked_areas;
	unsigned long pages;
	/* Audits with no operation in progress, which require 0 missing pages */
	unsigned long exact_audits;
	/* Revokes of guest_memfd areas since boot, by reason, at the last audit */
	__u64 revokes[MOCK_GMEM_NR_REVOKE_REASONS];
};

static const char *const revoke_reasons[MOCK_GMEM_NR_REVOKE_REASONS] = {
	[MOCK_GMEM_REVOKE_TRUNCATE] = "punch-hole",
	[MOCK_GMEM_REVOKE_RELEASE] = "release",
	[MOCK_GMEM_REVOKE_MEMORY_FAILURE] = "memory failure",
	[MOCK_GMEM_REVOKE_CONVERSION] = "conversion",
};

static int iommufd;
static __u32 ioas_id;
static int kvm_fd;
static int vm_fd;
/* The userspace_addr of every memslot */
static void *shared;
static unsigned int nr_slots;
static struct timespec deadline;
static atomic_bool failed;

static pthread_mutex_t gmem_lock = PTHREAD_MUTEX_INITIALIZER;
static struct gmem *cur_gmem;

static pthread_mutex_t map_lock = PTHREAD_MUTEX_INITIALIZER;
static struct mapping maps[NR_MAPS];
static unsigned int nr_maps;

static struct audit_stats audit_stats;

/*
 * Held for read around each operation that can leave a page of guest_memfd
 * unmapped until it returns (a conversion, a punch-hole, fallocate(), a map
 * populating the areas already there), for write around an exact audit.
 */
static pthread_rwlock_t quiesce_lock;

/* Exact audits must not starve behind the operations */
static void init_quiesce_lock(void)
{
	pthread_rwlockattr_t attr;

	pthread_rwlockattr_init(&attr);
	pthread_rwlockattr_setkind_np(&attr,
				      PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
	pthread_rwlock_init(&quiesce_lock, &attr);
	pthread_rwlockattr_destroy(&attr);
}

static void op_begin(void)
{
	pthread_rwlock_rdlock(&quiesce_lock);
}

static void op_end(void)
{
	pthread_rwlock_unlock(&quiesce_lock);
}

static const char *errname(int err)
{
	const char *name = strerrorname_np(err);

	return name ? name : "?";
}

/* Report a failure; callable from any thread */
static void fail(const char *who, const char *what, int err)
{
	printf("# %s: %s failed: errno %d (%s)\n", who, what, err,
	       errname(err));
	atomic_store(&failed, true);
}

static bool running(void)
{
	struct timespec now;

	if (atomic_load(&failed))
		return false;
	if (clock_gettime(CLOCK_MONOTONIC, &now)) {
		fail("clock", "clock_gettime", errno);
		return false;
	}
	return now.tv_sec < deadline.tv_sec ||
	       (now.tv_sec == deadline.tv_sec &&
		now.tv_nsec < deadline.tv_nsec);
}

static bool sleep_ms(struct worker *w, unsigned int ms)
{
	struct timespec ts = { .tv_sec = ms / 1000,
			       .tv_nsec = (ms % 1000) * 1000000L };

	if (nanosleep(&ts, NULL)) {
		fail(w->name, "nanosleep", errno);
		return false;
	}
	return true;
}

/* A random number in [0, n) */
static unsigned int rnd(struct worker *w, unsigned int n)
{
	return rand_r(&w->seed) % n;
}

/* A random range of 1 to max pages inside the guest_memfd */
static void rnd_range(struct worker *w, unsigned int max, unsigned int *page,
		      unsigned int *npages)
{
	*page = rnd(w, GMEM_PAGES);
	*npages = 1 + rnd(w, max);
	if (*npages > GMEM_PAGES - *page)
		*npages = GMEM_PAGES - *page;
}

static struct gmem *gmem_get(void)
{
	struct gmem *g;

	pthread_mutex_lock(&gmem_lock);
	g = cur_gmem;
	g->refs++;
	pthread_mutex_unlock(&gmem_lock);
	return g;
}

/* Closing the last reference revokes every area of the file */
static void gmem_put(const char *who, struct gmem *g)
{
	bool last;

	pthread_mutex_lock(&gmem_lock);
	last = !--g->refs;
	pthread_mutex_unlock(&gmem_lock);
	if (!last)
		return;
	if (close(g->fd))
		fail(who, "close guest_memfd", errno);
	free(g);
}

/*
 * Create a private guest_memfd and bind it to memslot gen % nr_slots, whose
 * previous binding is deleted first.  Returns NULL after a failure.
 */
static struct gmem *gmem_open(const char *who, unsigned int gen)
{
	struct kvm_create_guest_memfd create = { .size = GMEM_SIZE };
	struct kvm_userspace_memory_region2 region = {
		.flags = KVM_MEM_GUEST_MEMFD,
		.memory_size = GMEM_SIZE,
		.userspace_addr = (uintptr_t)shared,
	};
	struct gmem *g;

	g = calloc(1, sizeof(*g));
	if (!g) {
		fail(who, "calloc", ENOMEM);
		return NULL;
	}
	g->refs = 1;
	g->slot = gen % nr_slots;
	g->gpa = GMEM_GPA + g->slot * GMEM_SIZE;
	g->fd = ioctl(vm_fd, KVM_CREATE_GUEST_MEMFD, &create);
	if (g->fd < 0) {
		fail(who, "KVM_CREATE_GUEST_MEMFD", errno);
		free(g);
		return NULL;
	}
	if (gen >= nr_slots) {
		struct kvm_userspace_memory_region2 del = { .slot = g->slot };

		if (ioctl(vm_fd, KVM_SET_USER_MEMORY_REGION2, &del)) {
			fail(who, "delete memslot", errno);
			goto err_close;
		}
	}
	region.slot = g->slot;
	region.guest_phys_addr = g->gpa;
	region.guest_memfd = g->fd;
	if (ioctl(vm_fd, KVM_SET_USER_MEMORY_REGION2, &region)) {
		fail(who, "KVM_SET_USER_MEMORY_REGION2", errno);
		goto err_close;
	}
	return g;

err_close:
	if (close(g->fd))
		fail(who, "close guest_memfd", errno);
	free(g);
	return NULL;
}

static int map_file(int fd, unsigned int page, unsigned int npages,
		    __u64 *iova)
{
	struct iommu_ioas_map_file cmd = {
		.size = sizeof(cmd),
		.flags = IOMMU_IOAS_MAP_WRITEABLE | IOMMU_IOAS_MAP_READABLE,
		.ioas_id = ioas_id,
		.fd = fd,
		.start = page * PAGE_SIZE,
		.length = npages * PAGE_SIZE,
	};

	if (ioctl(iommufd, IOMMU_IOAS_MAP_FILE, &cmd))
		return -1;
	*iova = cmd.iova;
	return 0;
}

/* Unmap exactly @m, which must be mapped; returns the errno or 0 */
static int unmap(const struct mapping *m)
{
	struct iommu_ioas_unmap cmd = {
		.size = sizeof(cmd),
		.ioas_id = ioas_id,
		.iova = m->iova,
		.length = m->length,
	};

	if (ioctl(iommufd, IOMMU_IOAS_UNMAP, &cmd))
		return errno;
	return cmd.length == m->length ? 0 : ERANGE;
}

static int audit(struct audit_stats *stats, bool exact)
{
	struct iommu_test_cmd cmd = {
		.size = sizeof(cmd),
		.op = IOMMU_TEST_OP_GMEM_AUDIT,
	};

	if (exact)
		pthread_rwlock_wrlock(&quiesce_lock);
	if (ioctl(iommufd, IOMMU_TEST_CMD, &cmd)) {
		if (exact)
			pthread_rwlock_unlock(&quiesce_lock);
		return errno;
	}
	if (exact)
		pthread_rwlock_unlock(&quiesce_lock);
	stats->audits++;
	if (exact) {
		stats->exact_audits++;
		if (cmd.gmem_audit.out_missing) {
			printf("# %llu pages of guest_memfd not mapped\n",
			       (unsigned long long)cmd.gmem_audit.out_missing);
			return ENOENT;
		}
	}
	if (cmd.gmem_audit.out_live_areas && cmd.gmem_audit.out_pages)
		stats->live_audits++;
	stats->live_areas += cmd.gmem_audit.out_live_areas;
	stats->revoked_areas += cmd.gmem_audit.out_revoked_areas;
	stats->pages += cmd.gmem_audit.out_pages;
	memcpy(stats->revokes, cmd.gmem_audit.out_revokes,
	       sizeof(stats->revokes));
	return 0;
}

static void print_audit(const char *who, const struct audit_stats *stats)
{
	printf("# %s: %lu audits, %lu saw live pages, %lu exact\n", who,
	       stats->audits, stats->live_audits, stats->exact_audits);
	printf("# %s: %lu live areas, %lu revoked areas, %lu pages\n", who,
	       stats->live_areas, stats->revoked_areas, stats->pages);
}

static int mock_domain(__u32 *stdev_id, __u32 *idev_id)
{
	struct iommu_test_cmd cmd = {
		.size = sizeof(cmd),
		.op = IOMMU_TEST_OP_MOCK_DOMAIN,
		.id = ioas_id,
	};

	if (ioctl(iommufd, IOMMU_TEST_CMD, &cmd))
		return -1;
	*stdev_id = cmd.mock_domain.out_stdev_id;
	*idev_id = cmd.mock_domain.out_idev_id;
	return 0;
}

/* A new domain of the IOAS for @idev_id: iommufd fills it from every area */
static int hwpt_alloc(__u32 idev_id, __u32 *hwpt_id)
{
	struct iommu_hwpt_alloc cmd = {
		.size = sizeof(cmd),
		.dev_id = idev_id,
		.pt_id = ioas_id,
	};

	if (ioctl(iommufd, IOMMU_HWPT_ALLOC, &cmd))
		return -1;
	*hwpt_id = cmd.out_hwpt_id;
	return 0;
}

static int mock_domain_replace(__u32 stdev_id, __u32 hwpt_id)
{
	struct iommu_test_cmd cmd = {
		.size = sizeof(cmd),
		.op = IOMMU_TEST_OP_MOCK_DOMAIN_REPLACE,
		.id = stdev_id,
		.mock_domain_replace = { .pt_id = hwpt_id },
	};

	return ioctl(iommufd, IOMMU_TEST_CMD, &cmd);
}

static int destroy(__u32 id)
{
	struct iommu_destroy cmd = { .size = sizeof(cmd), .id = id };

	return ioctl(iommufd, IOMMU_DESTROY, &cmd);
}

static void *converter(void *arg)
{
	struct worker *w = arg;
	unsigned int page, npages;
	struct gmem *g;
	int rc;

	while (running()) {
		struct kvm_memory_attributes attrs = {
			.attributes = rnd(w, 2) ? KVM_MEMORY_ATTRIBUTE_PRIVATE :
						  0,
		};

		rnd_range(w, MAX_CONVERT_PAGES, &page, &npages);
		g = gmem_get();
		attrs.address = g->gpa + page * PAGE_SIZE;
		attrs.size = npages * PAGE_SIZE;
		op_begin();
		rc = ioctl(vm_fd, KVM_SET_MEMORY_ATTRIBUTES, &attrs);
		op_end();
		if (rc)
			fail(w->name, "KVM_SET_MEMORY_ATTRIBUTES", errno);
		gmem_put(w->name, g);
		if (rc)
			break;
		w->ops++;
	}
	return NULL;
}

/*
 * fallocate() random ranges of at most @max_pages pages of the current file
 * with @mode, until the deadline or a failure
 */
static void fallocate_loop(struct worker *w, int mode, unsigned int max_pages)
{
	unsigned int page, npages;
	struct gmem *g;
	int rc;

	while (running()) {
		rnd_range(w, max_pages, &page, &npages);
		g = gmem_get();
		op_begin();
		rc = fallocate(g->fd, mode, page * PAGE_SIZE,
			       npages * PAGE_SIZE);
		op_end();
		if (rc)
			fail(w->name, "fallocate", errno);
		gmem_put(w->name, g);
		if (rc)
			break;
		w->ops++;
	}
}

static void *puncher(void *arg)
{
	fallocate_loop(arg, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
		       MAX_PUNCH_PAGES);
	return NULL;
}

/* Allocate pages back, which maps them again in every area covering them */
static void *filler(void *arg)
{
	fallocate_loop(arg, FALLOC_FL_KEEP_SIZE, MAX_FILL_PAGES);
	return NULL;
}

/* Take a random remembered mapping, the likelier the fuller the table */
static bool take_mapping(struct worker *w, struct mapping *m)
{
	bool take;

	pthread_mutex_lock(&map_lock);
	take = nr_maps && rnd(w, NR_MAPS) < nr_maps;
	if (take) {
		unsigned int i = rnd(w, nr_maps);

		*m = maps[i];
		maps[i] = maps[--nr_maps];
	}
	pthread_mutex_unlock(&map_lock);
	return take;
}

static bool remember_mapping(const struct mapping *m)
{
	bool room;

	pthread_mutex_lock(&map_lock);
	room = nr_maps != NR_MAPS;
	if (room)
		maps[nr_maps++] = *m;
	pthread_mutex_unlock(&map_lock);
	return room;
}

/*
 * The only failure that a map of the current file can meet: the range was
 * punched or converted between guest_memfd's attach and the area's insertion.
 * The file is held open, its pages are never poisoned, and the range is valid.
 */
static bool map_error_ok(int err)
{
	return err == ENODEV;
}

static void *mapper(void *arg)
{
	struct worker *w = arg;
	unsigned int page, npages;
	struct mapping m;
	struct gmem *g;
	int rc, err;

	while (running()) {
		if (!take_mapping(w, &m)) {
			rnd_range(w, MAX_MAP_PAGES, &page, &npages);
			g = gmem_get();
			op_begin();
			rc = map_file(g->fd, page, npages, &m.iova);
			err = errno;
			op_end();
			gmem_put(w->name, g);
			if (rc) {
				if (!map_error_ok(err)) {
					fail(w->name, "IOMMU_IOAS_MAP_FILE",
					     err);
					break;
				}
				w->errnos[err]++;
				continue;
			}
			w->ops++;
			m.length = npages * PAGE_SIZE;
			if (remember_mapping(&m))
				continue;
		}
		err = unmap(&m);
		if (err) {
			fail(w->name, "IOMMU_IOAS_UNMAP", err);
			break;
		}
		w->unmaps++;
	}
	return NULL;
}

/*
 * Attach a new device to a new domain, which iommufd fills from every area of
 * the IOAS, live or revoked, while they are being revoked: every step must
 * succeed.
 */
static void *domain_loop(void *arg)
{
	struct worker *w = arg;
	__u32 stdev_id, idev_id, hwpt_id = 0;
	bool ok = true;

	while (ok && running()) {
		if (mock_domain(&stdev_id, &idev_id)) {
			fail(w->name, "IOMMU_TEST_OP_MOCK_DOMAIN", errno);
			break;
		}
		if (hwpt_alloc(idev_id, &hwpt_id)) {
			fail(w->name, "IOMMU_HWPT_ALLOC", errno);
			hwpt_id = 0;
			ok = false;
		} else if (mock_domain_replace(stdev_id, hwpt_id)) {
			fail(w->name, "IOMMU_TEST_OP_MOCK_DOMAIN_REPLACE",
			     errno);
			ok = false;
		}
		if (destroy(stdev_id)) {
			fail(w->name, "IOMMU_DESTROY of the device", errno);
			ok = false;
		}
		if (hwpt_id && destroy(hwpt_id)) {
			fail(w->name, "IOMMU_DESTROY of the domain", errno);
			ok = false;
		}
		if (ok)
			w->ops++;
	}
	return NULL;
}

static void *reopener(void *arg)
{
	struct worker *w = arg;
	struct gmem *g, *old;
	unsigned int gen = 1;

	while (sleep_ms(w, REOPEN_MS) && running()) {
		g = gmem_open(w->name, gen++);
		if (!g)
			break;
		pthread_mutex_lock(&gmem_lock);
		old = cur_gmem;
		cur_gmem = g;
		pthread_mutex_unlock(&gmem_lock);
		gmem_put(w->name, old);
		w->ops++;
	}
	return NULL;
}

/*
 * 0 if every domain maps [iova, iova + length) to @offset of @fd, or none of
 * it if @fd is -1; the errno otherwise
 */
static int check_gmem(__u64 iova, __u64 length, int fd, __u64 offset)
{
	struct iommu_test_cmd cmd = {
		.size = sizeof(cmd),
		.op = IOMMU_TEST_OP_IOAS_CHECK_GMEM,
		.id = ioas_id,
		.check_gmem = { .iova = iova, .length = length,
				.offset = offset, .gmem_fd = fd },
	};

	return ioctl(iommufd, IOMMU_TEST_CMD, &cmd) ? errno : 0;
}

static void sigbus(int sig __attribute__((unused)))
{
}

/*
 * Map pages [0, 2) and [2, 4) of a new shared guest_memfd, poison page 3 with
 * MADV_HWPOISON: page 3 must be unmapped, and pages 0 to 2 still mapped, as
 * soon as madvise() returns.  Returns false after a failure.
 */
static bool poison_one(struct worker *w, int vm)
{
	struct kvm_create_guest_memfd create = {
		.size = 4 * PAGE_SIZE,
		.flags = GUEST_MEMFD_FLAG_MMAP | GUEST_MEMFD_FLAG_INIT_SHARED,
	};
	struct mapping m[2] = { { .length = 2 * PAGE_SIZE },
				{ .length = 2 * PAGE_SIZE } };
	bool ok = false;
	uint8_t *mem;
	int fd, err;

	fd = ioctl(vm, KVM_CREATE_GUEST_MEMFD, &create);
	if (fd < 0) {
		fail(w->name, "KVM_CREATE_GUEST_MEMFD", errno);
		return false;
	}
	mem = mmap(NULL, 4 * PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		   0);
	if (mem == MAP_FAILED) {
		fail(w->name, "mmap guest_memfd", errno);
		goto out_close;
	}
	if (map_file(fd, 0, 2, &m[0].iova)) {
		fail(w->name, "IOMMU_IOAS_MAP_FILE", errno);
		goto out_munmap;
	}
	if (map_file(fd, 2, 2, &m[1].iova)) {
		fail(w->name, "IOMMU_IOAS_MAP_FILE", errno);
		goto out_unmap0;
	}
	mem[3 * PAGE_SIZE] = 1;
	/* EBUSY: guest_memfd keeps the poisoned page (MF_DELAYED) */
	if (madvise(mem + 3 * PAGE_SIZE, PAGE_SIZE, MADV_HWPOISON) &&
	    errno != EBUSY) {
		fail(w->name, "MADV_HWPOISON", errno);
		goto out_unmap1;
	}
	err = check_gmem(m[1].iova + PAGE_SIZE, PAGE_SIZE, -1, 0);
	if (err) {
		fail(w->name, "poisoned page still mapped", err);
		goto out_unmap1;
	}
	err = check_gmem(m[1].iova, PAGE_SIZE, fd, 2 * PAGE_SIZE);
	if (err) {
		fail(w->name, "page next to the poisoned page", err);
		goto out_unmap1;
	}
	err = check_gmem(m[0].iova, m[0].length, fd, 0);
	if (err) {
		fail(w->name, "area next to the poisoned page", err);
		goto out_unmap1;
	}
	ok = true;
out_unmap1:
	err = unmap(&m[1]);
	if (err) {
		fail(w->name, "IOMMU_IOAS_UNMAP", err);
		ok = false;
	}
out_unmap0:
	err = unmap(&m[0]);
	if (err) {
		fail(w->name, "IOMMU_IOAS_UNMAP", err);
		ok = false;
	}
out_munmap:
	if (munmap(mem, 4 * PAGE_SIZE)) {
		fail(w->name, "munmap guest_memfd", errno);
		ok = false;
	}
out_close:
	if (close(fd)) {
		fail(w->name, "close guest_memfd", errno);
		ok = false;
	}
	return ok;
}

static void *poisoner(void *arg)
{
	struct worker *w = arg;
	int vm;

	/* Shared guest_memfd with mmap(): a default VM's */
	vm = ioctl(kvm_fd, KVM_CREATE_VM, 0);
	if (vm < 0) {
		fail(w->name, "KVM_CREATE_VM", errno);
		return NULL;
	}
	while (w->ops != MAX_POISONS && sleep_ms(w, POISON_MS) && running()) {
		if (!poison_one(w, vm))
			break;
		w->ops++;
	}
	if (close(vm))
		fail(w->name, "close VM", errno);
	return NULL;
}

static void *auditor(void *arg)
{
	struct worker *w = arg;
	int err;

	while (sleep_ms(w, AUDIT_MS) && running()) {
		err = audit(&audit_stats, !(w->ops % EXACT_EVERY));
		if (err) {
			fail(w->name, "IOMMU_TEST_OP_GMEM_AUDIT", err);
			print_audit(w->name, &audit_stats);
			break;
		}
		w->ops++;
	}
	return NULL;
}

static struct worker workers[] = {
	{ .name = "converter", .fn = converter },
	{ .name = "puncher", .fn = puncher },
	{ .name = "filler", .fn = filler },
	{ .name = "mapper0", .fn = mapper },
	{ .name = "mapper1", .fn = mapper },
	{ .name = "domain", .fn = domain_loop },
	{ .name = "reopener", .fn = reopener },
	{ .name = "poisoner", .fn = poisoner },
	{ .name = "auditor", .fn = auditor },
};

#define NR_WORKERS ARRAY_SIZE(workers)

static void print_worker(const struct worker *w)
{
	unsigned int err;

	printf("# %s: %lu ops", w->name, w->ops);
	if (w->fn == mapper)
		printf(", %lu unmaps", w->unmaps);
	for (err = 0; err != MAX_ERRNO; err++)
		if (w->errnos[err])
			printf(", %s: %lu", errname(err), w->errnos[err]);
	printf("\n");
}

/* Returns 0, KSFT_SKIP, or 1 after printing why */
static int setup(void)
{
	struct iommu_ioas_alloc alloc = { .size = sizeof(alloc) };
	__u32 stdev_id, idev_id;
	int types, slots;

	iommufd = open("/dev/iommu", O_RDWR);
	if (iommufd < 0) {
		printf("# open /dev/iommu: %s\n", strerror(errno));
		return 1;
	}
	if (ioctl(iommufd, IOMMU_IOAS_ALLOC, &alloc)) {
		printf("# IOMMU_IOAS_ALLOC: %s\n", strerror(errno));
		return 1;
	}
	ioas_id = alloc.out_ioas_id;
	if (mock_domain(&stdev_id, &idev_id)) {
		printf("# IOMMU_TEST_OP_MOCK_DOMAIN: %s\n", strerror(errno));
		return 1;
	}

	kvm_fd = open("/dev/kvm", O_RDWR);
	if (kvm_fd < 0) {
		printf("1..0 # SKIP /dev/kvm: %s\n", strerror(errno));
		return KSFT_SKIP;
	}
	types = ioctl(kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_VM_TYPES);
	if (types < 0 || !(types & (1 << KVM_X86_SW_PROTECTED_VM))) {
		printf("1..0 # SKIP no software-protected VMs\n");
		return KSFT_SKIP;
	}
	vm_fd = ioctl(kvm_fd, KVM_CREATE_VM, KVM_X86_SW_PROTECTED_VM);
	if (vm_fd < 0) {
		printf("# KVM_CREATE_VM: %s\n", strerror(errno));
		return 1;
	}
	slots = ioctl(vm_fd, KVM_CHECK_EXTENSION, KVM_CAP_NR_MEMSLOTS);
	if (slots <= 0) {
		printf("# KVM_CAP_NR_MEMSLOTS: %d\n", slots);
		return 1;
	}
	nr_slots = slots < MAX_SLOTS ? slots : MAX_SLOTS;
	/* memory_failure() signals the poisoner, which maps the page */
	if (signal(SIGBUS, sigbus) == SIG_ERR) {
		printf("# signal: %s\n", strerror(errno));
		return 1;
	}
	shared = mmap(NULL, GMEM_SIZE, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (shared == MAP_FAILED) {
		printf("# mmap: %s\n", strerror(errno));
		return 1;
	}
	cur_gmem = gmem_open("main", 0);
	return cur_gmem ? 0 : 1;
}

/* Unmap every remembered area: all areas must be gone afterwards */
static void teardown(void)
{
	struct audit_stats stats = {};
	unsigned int i;
	int err;

	for (i = 0; i != nr_maps; i++) {
		err = unmap(&maps[i]);
		if (err)
			fail("main", "final IOMMU_IOAS_UNMAP", err);
	}
	nr_maps = 0;
	err = audit(&stats, true);
	if (err) {
		fail("main", "IOMMU_TEST_OP_GMEM_AUDIT after unmap", err);
	} else if (stats.live_areas || stats.revoked_areas) {
		printf("# areas left after unmapping all\n");
		print_audit("main", &stats);
		atomic_store(&failed, true);
	}
	gmem_put("main", cur_gmem);
	if (munmap(shared, GMEM_SIZE))
		fail("main", "munmap", errno);
	if (close(vm_fd))
		fail("main", "close VM", errno);
	if (close(kvm_fd))
		fail("main", "close /dev/kvm", errno);
	if (close(iommufd))
		fail("main", "close /dev/iommu", errno);
}

int main(int argc, char **argv)
{
	struct audit_stats start = {};
	unsigned long seconds = 10;
	struct timespec now;
	unsigned int i;
	bool ok = true;
	char *end;
	int rc, err;

	if (argc == 2) {
		seconds = strtoul(argv[1], &end, 10);
		if (!*argv[1] || *end)
			argc = 0;
	}
	if (argc > 2 || !argc) {
		fprintf(stderr, "usage: gmem_stress [SECONDS]\n");
		return 2;
	}
	/* Diagnostics of a failing thread must show even if the kernel hangs */
	if (setvbuf(stdout, NULL, _IOLBF, 0))
		return 1;

	printf("TAP version 13\n");
	init_quiesce_lock();
	rc = setup();
	if (rc == KSFT_SKIP)
		return KSFT_SKIP;
	printf("1..1\n");
	if (rc) {
		printf("not ok 1 gmem_stress\n");
		return 1;
	}

	if (clock_gettime(CLOCK_MONOTONIC, &now)) {
		printf("# clock_gettime: %s\nnot ok 1 gmem_stress\n",
		       strerror(errno));
		return 1;
	}
	/* The invalidations that happen from here on are this test's */
	err = audit(&start, true);
	if (err) {
		fail("main", "first IOMMU_TEST_OP_GMEM_AUDIT", err);
		printf("not ok 1 gmem_stress\n");
		return 1;
	}
	printf("# running for %lu seconds, seed %ld\n", seconds, now.tv_nsec);
	deadline = now;
	deadline.tv_sec += seconds;

	for (i = 0; i != NR_WORKERS; i++) {
		workers[i].seed = now.tv_nsec + i;
		err = pthread_create(&workers[i].thread, NULL, workers[i].fn,
				     &workers[i]);
		if (err) {
			fail("main", "pthread_create", err);
			break;
		}
	}
	while (i--) {
		err = pthread_join(workers[i].thread, NULL);
		if (err)
			fail("main", "pthread_join", err);
	}

	/* Every worker has stopped: the final audit is exact */
	err = audit(&audit_stats, true);
	if (err)
		fail("main", "final IOMMU_TEST_OP_GMEM_AUDIT", err);
	teardown();

	for (i = 0; i != NR_WORKERS; i++) {
		print_worker(&workers[i]);
		if (!workers[i].ops) {
			printf("# %s did nothing\n", workers[i].name);
			ok = false;
		}
	}
	print_audit("audit", &audit_stats);
	/* Each reason of invalidation must have happened, and been audited */
	for (i = 0; i != MOCK_GMEM_NR_REVOKE_REASONS; i++) {
		__u64 n = audit_stats.revokes[i] - start.revokes[i];

		printf("# invalidations by %s: %llu\n", revoke_reasons[i],
		       (unsigned long long)n);
		if (!n)
			ok = false;
	}
	if (!audit_stats.live_audits) {
		printf("# no audit saw a live area with mapped pages\n");
		ok = false;
	}
	if (audit_stats.exact_audits < 2) {
		printf("# no exact audit while the workers ran\n");
		ok = false;
	}
	if (atomic_load(&failed))
		ok = false;
	printf("%sok 1 gmem_stress\n", ok ? "" : "not ");
	return ok ? 0 : 1;
}
