// SPDX-License-Identifier: GPL-2.0
/*
 * Benchmark of IOMMU_IOAS_MAP_FILE from a shared KVM guest_memfd (gmem),
 * compared with a memfd and with IOMMU_IOAS_MAP of anonymous memory, all
 * into one IOAS with one iommufd selftest mock domain attached.
 *
 *  1. map throughput: gmem MAP_FILE vs memfd MAP_FILE vs anon MAP;
 *  2. IOMMU_IOAS_UNMAP of each, and the revoke of a mapped gmem range by a
 *     punch-hole vs IOMMU_IOAS_UNMAP of the same range;
 *  3. punch-hole of one gmem page with 1, 100 and 10,000 disjoint bindings
 *     (one page each) on the same gmem, only one of which overlaps the page;
 *  4. punch-hole of 64 MiB of gmem with no binding (and of a memfd, for
 *     reference, in the same run).
 *
 * Every source is populated (allocated, zeroed and written) before a map is
 * timed, so the map paths are compared.  Times come from
 * clock_gettime(CLOCK_MONOTONIC) around the one syscall measured; each
 * figure is the median of RUNS (odd, >= 5) runs, with min and max.  Under
 * QEMU TCG absolute times mean little: compare ratios within one run.
 *
 * Output: a markdown table on stdout, then notes and the targets check.
 * Needs CONFIG_IOMMUFD_TEST and KVM (x86, guest_memfd with MMAP).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <linux/falloc.h>
#include <linux/iommufd.h>
#include <linux/kvm.h>

#include "iommufd_test.h"

#define PAGE_SIZE	4096UL
#define MiB		(1024UL * 1024)
#define GiB		(1024UL * MiB)
#define RUNS		7
#define RUNS_1G		5
#define PUNCH_RUNS	21
#define MAX_RUNS	21
#define IOVA_BASE	MOCK_APERTURE_START	/* mock aperture: 16 MiB..2 GiB */
#define BIND_IOVA	MOCK_APERTURE_START
#define MAX_BINDINGS	10000
/* Run the 1 GiB sizes only if they are estimated to take less than this */
#define BUDGET_1G_NS	60e9

/*
 * The test kernel has CONFIG_TRANSPARENT_HUGEPAGE_ALWAYS and shmem THP never:
 * anonymous memory comes in 2 MiB folios, memfd and gmem in 4 KiB ones.
 * SRC_ANON_4K is anonymous memory with MADV_NOHUGEPAGE, for a like-for-like
 * comparison of the page granularity.
 */
enum src { SRC_GMEM, SRC_MEMFD, SRC_ANON, SRC_ANON_4K, NR_SRC };
static const char *const src_name[NR_SRC] = {
	"gmem MAP_FILE", "memfd MAP_FILE", "anon MAP (THP)",
	"anon MAP (MADV_NOHUGEPAGE)",
};

static int iommufd;
static __u32 ioas_id;

struct stat3 {
	double med, min, max;	/* ns */
	int n;
};

static void die(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	printf("\n# error: ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf(": %s\n", strerror(errno));
	exit(1);
}

static double now_ns(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts))
		die("clock_gettime");
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static struct stat3 stats(const double *v, int n)
{
	double s[MAX_RUNS];
	struct stat3 r;

	memcpy(s, v, n * sizeof(*s));
	qsort(s, n, sizeof(*s), cmp_double);
	r.min = s[0];
	r.max = s[n - 1];
	r.med = n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
	r.n = n;
	return r;
}

static const char *fmt_time(double ns, char *buf, size_t size)
{
	if (ns >= 1e9)
		snprintf(buf, size, "%.3f s", ns / 1e9);
	else if (ns >= 1e6)
		snprintf(buf, size, "%.2f ms", ns / 1e6);
	else
		snprintf(buf, size, "%.1f µs", ns / 1e3);
	return buf;
}

static const char *fmt_size(unsigned long bytes, char *buf, size_t size)
{
	if (bytes >= GiB)
		snprintf(buf, size, "%lu GiB", bytes / GiB);
	else if (bytes >= MiB)
		snprintf(buf, size, "%lu MiB", bytes / MiB);
	else
		snprintf(buf, size, "%lu KiB", bytes / 1024);
	return buf;
}

/* One table row; @bytes > 0 adds the throughput of the median. */
static void row(const char *sect, const char *op, const char *size,
		struct stat3 s, unsigned long bytes, const char *ratio)
{
	char a[32], b[32], c[32], gbs[32] = "";

	if (bytes)
		snprintf(gbs, sizeof(gbs), "%.2f",
			 (double)bytes / GiB / (s.med / 1e9));
	printf("| %s | %s | %s | %d | %s | %s | %s | %s | %s |\n", sect, op,
	       size, s.n, fmt_time(s.med, a, sizeof(a)),
	       fmt_time(s.min, b, sizeof(b)), fmt_time(s.max, c, sizeof(c)),
	       gbs, ratio);
}

/* ---- iommufd ---- */

static void iommufd_setup(void)
{
	struct iommu_ioas_alloc alloc = { .size = sizeof(alloc) };
	struct iommu_test_cmd mock = {
		.size = sizeof(mock),
		.op = IOMMU_TEST_OP_MOCK_DOMAIN,
	};

	iommufd = open("/dev/iommu", O_RDWR | O_CLOEXEC);
	if (iommufd < 0)
		die("open /dev/iommu");
	if (ioctl(iommufd, IOMMU_IOAS_ALLOC, &alloc))
		die("IOMMU_IOAS_ALLOC");
	ioas_id = alloc.out_ioas_id;
	mock.id = ioas_id;
	if (ioctl(iommufd, IOMMU_TEST_CMD, &mock))
		die("IOMMU_TEST_OP_MOCK_DOMAIN (CONFIG_IOMMUFD_TEST?)");
}

static void map_file(int fd, __u64 start, __u64 length, __u64 iova)
{
	struct iommu_ioas_map_file map = {
		.size = sizeof(map),
		.flags = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE |
			 IOMMU_IOAS_MAP_WRITEABLE,
		.ioas_id = ioas_id,
		.fd = fd,
		.start = start,
		.length = length,
		.iova = iova,
	};

	if (ioctl(iommufd, IOMMU_IOAS_MAP_FILE, &map))
		die("IOMMU_IOAS_MAP_FILE(fd %d, start 0x%llx, length 0x%llx, iova 0x%llx)",
		    fd, (unsigned long long)start, (unsigned long long)length,
		    (unsigned long long)iova);
}

static void map_user(void *va, __u64 length, __u64 iova)
{
	struct iommu_ioas_map map = {
		.size = sizeof(map),
		.flags = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE |
			 IOMMU_IOAS_MAP_WRITEABLE,
		.ioas_id = ioas_id,
		.user_va = (uintptr_t)va,
		.length = length,
		.iova = iova,
	};

	if (ioctl(iommufd, IOMMU_IOAS_MAP, &map))
		die("IOMMU_IOAS_MAP(length 0x%llx)", (unsigned long long)length);
}

static void unmap(__u64 iova, __u64 length)
{
	struct iommu_ioas_unmap cmd = {
		.size = sizeof(cmd),
		.ioas_id = ioas_id,
		.iova = iova,
		.length = length,
	};

	if (ioctl(iommufd, IOMMU_IOAS_UNMAP, &cmd))
		die("IOMMU_IOAS_UNMAP(iova 0x%llx, length 0x%llx)",
		    (unsigned long long)iova, (unsigned long long)length);
	if (length != UINT64_MAX && cmd.length != length) {
		errno = EIO;
		die("IOMMU_IOAS_UNMAP(iova 0x%llx) unmapped 0x%llx of 0x%llx",
		    (unsigned long long)iova, (unsigned long long)cmd.length,
		    (unsigned long long)length);
	}
}

/* ---- sources ---- */

struct source {
	enum src type;
	unsigned long size;
	int fd;		/* gmem, memfd */
	int vmfd;	/* gmem */
	void *va;	/* anon */
};

static int gmem_create(unsigned long size, int *vmfd)
{
	struct kvm_create_guest_memfd args = {
		.size = size,
		.flags = GUEST_MEMFD_FLAG_MMAP | GUEST_MEMFD_FLAG_INIT_SHARED,
	};
	int kvm, fd;

	kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (kvm < 0)
		die("open /dev/kvm");
	*vmfd = ioctl(kvm, KVM_CREATE_VM, 0);
	if (*vmfd < 0)
		die("KVM_CREATE_VM(0)");
	close(kvm);
	fd = ioctl(*vmfd, KVM_CREATE_GUEST_MEMFD, &args);
	if (fd < 0)
		die("KVM_CREATE_GUEST_MEMFD(%lu, MMAP|INIT_SHARED)", size);
	return fd;
}

/* Allocate every page of [off, off + len) of @fd and write to it. */
static void populate_file(int fd, unsigned long off, unsigned long len)
{
	void *p;

	if (fallocate(fd, FALLOC_FL_KEEP_SIZE, off, len))
		die("fallocate(KEEP_SIZE, fd %d, 0x%lx, 0x%lx)", fd, off, len);
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, off);
	if (p == MAP_FAILED)
		die("mmap(fd %d, 0x%lx)", fd, len);
	memset(p, 0x5a, len);
	if (munmap(p, len))
		die("munmap");
}

static void punch(int fd, unsigned long off, unsigned long len)
{
	if (fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, off,
		      len))
		die("fallocate(PUNCH_HOLE, fd %d, 0x%lx, 0x%lx)", fd, off,
		    len);
}

static void source_open(struct source *s, enum src type, unsigned long size)
{
	memset(s, 0, sizeof(*s));
	s->type = type;
	s->size = size;
	s->fd = -1;
	s->vmfd = -1;
	switch (type) {
	case SRC_GMEM:
		s->fd = gmem_create(size, &s->vmfd);
		populate_file(s->fd, 0, size);
		break;
	case SRC_MEMFD:
		s->fd = memfd_create("bench", MFD_CLOEXEC);
		if (s->fd < 0)
			die("memfd_create");
		if (ftruncate(s->fd, size))
			die("ftruncate(memfd, %lu)", size);
		populate_file(s->fd, 0, size);
		break;
	case SRC_ANON:
		s->va = mmap(NULL, size, PROT_READ | PROT_WRITE,
			     MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
		if (s->va == MAP_FAILED)
			die("mmap(anon, %lu, MAP_POPULATE)", size);
		memset(s->va, 0x5a, size);
		break;
	default:
		/* No MAP_POPULATE: it would fault THPs in before madvise() */
		s->va = mmap(NULL, size, PROT_READ | PROT_WRITE,
			     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (s->va == MAP_FAILED)
			die("mmap(anon, %lu)", size);
		if (madvise(s->va, size, MADV_NOHUGEPAGE))
			die("madvise(MADV_NOHUGEPAGE)");
		memset(s->va, 0x5a, size);
		break;
	}
}

static void source_close(struct source *s)
{
	if (s->va && munmap(s->va, s->size))
		die("munmap anon");
	if (s->fd >= 0 && close(s->fd))
		die("close");
	if (s->vmfd >= 0 && close(s->vmfd))
		die("close VM");
}

static double source_map(struct source *s, __u64 iova)
{
	double t0 = now_ns();

	if (s->va)
		map_user(s->va, s->size, iova);
	else
		map_file(s->fd, 0, s->size, iova);
	return now_ns() - t0;
}

static double time_unmap(__u64 iova, __u64 length)
{
	double t0 = now_ns();

	unmap(iova, length);
	return now_ns() - t0;
}

static double time_punch(int fd, unsigned long off, unsigned long len)
{
	double t0 = now_ns();

	punch(fd, off, len);
	return now_ns() - t0;
}

/* ---- results kept for the targets check ---- */

struct size_result {
	unsigned long size;
	struct stat3 map[NR_SRC], unmap[NR_SRC], revoke, revoke_unmap;
	struct stat3 punch_unmapped;
	bool has_revoke;
	/* Wall time of the map/unmap part and of the revoke part */
	double maps_ns, revoke_ns;
};

static struct size_result res[3];
static int nr_res;
static struct stat3 punch1[3];
static const int nbind[3] = { 1, 100, MAX_BINDINGS };

/*
 * Sections 1 and 2 for one size.  With @together all three sources are
 * populated at once and the runs interleave them (gmem, memfd, anon, gmem,
 * ...), so that a change of host load hits them alike; otherwise (1 GiB)
 * one source at a time, to bound memory.  @revoke adds the revoke part.
 */
static struct size_result *bench_size(unsigned long size, int runs,
				      bool together, bool revoke)
{
	double tmap[NR_SRC][MAX_RUNS], tunmap[NR_SRC][MAX_RUNS];
	double trev[MAX_RUNS], trevu[MAX_RUNS], tpu[MAX_RUNS];
	struct size_result *r = &res[nr_res++];
	struct source src[NR_SRC];
	char sz[32], ratio[64];
	double t0;
	int i, k;

	r->size = size;
	r->has_revoke = revoke;
	fmt_size(size, sz, sizeof(sz));
	t0 = now_ns();
	if (together) {
		for (k = 0; k < NR_SRC; k++)
			source_open(&src[k], k, size);
		for (i = 0; i < runs; i++) {
			for (k = 0; k < NR_SRC; k++) {
				tmap[k][i] = source_map(&src[k], IOVA_BASE);
				tunmap[k][i] = time_unmap(IOVA_BASE, size);
			}
		}
		for (k = 1; k < NR_SRC; k++)
			source_close(&src[k]);
	} else {
		for (k = NR_SRC - 1; k >= 0; k--) {
			source_open(&src[k], k, size);
			for (i = 0; i < runs; i++) {
				tmap[k][i] = source_map(&src[k], IOVA_BASE);
				tunmap[k][i] = time_unmap(IOVA_BASE, size);
			}
			if (k)
				source_close(&src[k]);
		}
	}

	/*
	 * Section 2, revoke: the gmem range mapped in the mock domain, time an
	 * IOMMU_IOAS_UNMAP of it, map it again, time the punch-hole over it
	 * (which revokes the area and frees the pages), then unmap the revoked
	 * area and repopulate, untimed.  For the share of freeing the pages,
	 * time a punch-hole of the same, repopulated, range while it is not
	 * mapped (its binding gone).
	 */
	r->maps_ns = now_ns() - t0;
	t0 = now_ns();
	for (i = 0; revoke && i < runs; i++) {
		source_map(&src[SRC_GMEM], IOVA_BASE);
		trevu[i] = time_unmap(IOVA_BASE, size);
		source_map(&src[SRC_GMEM], IOVA_BASE);
		trev[i] = time_punch(src[SRC_GMEM].fd, 0, size);
		unmap(IOVA_BASE, size);
		populate_file(src[SRC_GMEM].fd, 0, size);
		tpu[i] = time_punch(src[SRC_GMEM].fd, 0, size);
		populate_file(src[SRC_GMEM].fd, 0, size);
	}
	source_close(&src[SRC_GMEM]);
	r->revoke_ns = now_ns() - t0;

	for (k = 0; k < NR_SRC; k++) {
		r->map[k] = stats(tmap[k], runs);
		r->unmap[k] = stats(tunmap[k], runs);
	}
	for (k = 0; k < NR_SRC; k++) {
		snprintf(ratio, sizeof(ratio), "%.2fx memfd throughput",
			 r->map[SRC_MEMFD].med / r->map[k].med);
		row("1", src_name[k], sz, r->map[k], size, ratio);
	}
	for (k = 0; k < NR_SRC; k++) {
		char op[64];

		snprintf(op, sizeof(op), "UNMAP of %s", src_name[k]);
		snprintf(ratio, sizeof(ratio), "%.2fx memfd throughput",
			 r->unmap[SRC_MEMFD].med / r->unmap[k].med);
		row("2", op, sz, r->unmap[k], size, ratio);
	}
	if (!revoke)
		return r;
	r->revoke_unmap = stats(trevu, runs);
	r->revoke = stats(trev, runs);
	row("2", "UNMAP of gmem MAP_FILE (paired with revoke)", sz,
	    r->revoke_unmap, size, "");
	snprintf(ratio, sizeof(ratio), "%.2fx time of paired UNMAP",
		 r->revoke.med / r->revoke_unmap.med);
	row("2", "revoke: PUNCH_HOLE over mapped gmem", sz, r->revoke, size,
	    ratio);
	r->punch_unmapped = stats(tpu, runs);
	snprintf(ratio, sizeof(ratio),
		 "revoke - this = %.2fx time of paired UNMAP",
		 (r->revoke.med - r->punch_unmapped.med) /
		 r->revoke_unmap.med);
	row("2", "PUNCH_HOLE over the same gmem, not mapped", sz,
	    r->punch_unmapped, size, ratio);
	return r;
}

/*
 * Section 3: @n disjoint one-page bindings of pages 0..n-1 of @fd; time the
 * punch-hole of page n/2, which only its own binding overlaps, then unmap
 * the revoked area and map that page again (untimed).
 */
static struct stat3 bench_bindings(int fd, int n, double *setup_ns)
{
	double t[MAX_RUNS], t0;
	int i, victim = n / 2;
	__u64 viova = BIND_IOVA + 2ULL * victim * PAGE_SIZE;

	t0 = now_ns();
	for (i = 0; i < n; i++)
		map_file(fd, (__u64)i * PAGE_SIZE, PAGE_SIZE,
			 BIND_IOVA + 2ULL * i * PAGE_SIZE);
	*setup_ns = now_ns() - t0;
	for (i = 0; i < PUNCH_RUNS; i++) {
		t[i] = time_punch(fd, (unsigned long)victim * PAGE_SIZE,
				  PAGE_SIZE);
		unmap(viova, PAGE_SIZE);
		map_file(fd, (__u64)victim * PAGE_SIZE, PAGE_SIZE, viova);
	}
	unmap(0, UINT64_MAX);
	return stats(t, PUNCH_RUNS);
}

static long mem_available_kib(void)
{
	char line[128];
	long kib = -1;
	FILE *f = fopen("/proc/meminfo", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "MemAvailable: %ld kB", &kib) == 1)
			break;
	fclose(f);
	return kib;
}

static void check(const char *what, bool met, const char *fmt, ...)
{
	va_list ap;

	printf("- %s: **%s** (", what, met ? "met" : "missed");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf(")\n");
}

int main(void)
{
	struct rlimit unlimited = { RLIM_INFINITY, RLIM_INFINITY };
	double est_maps, est_revoke, setup[3], t[MAX_RUNS];
	struct size_result *r256;
	char note_1g[512] = "";
	struct stat3 p64g, p64m;
	struct source g, m;
	int fd, vmfd, i, k;
	long avail;
	FILE *f;

	setvbuf(stdout, NULL, _IOLBF, 0);
	/* IOMMU_IOAS_MAP of anonymous memory is charged to RLIMIT_MEMLOCK */
	if (setrlimit(RLIMIT_MEMLOCK, &unlimited))
		die("setrlimit(RLIMIT_MEMLOCK)");
	/* The test init reserves hugetlb pages this benchmark does not use */
	f = fopen("/proc/sys/vm/nr_hugepages", "w");
	if (f) {
		fputs("0\n", f);
		fclose(f);
	}
	iommufd_setup();

	printf("| § | Operation | Size | Runs | Median | Min | Max | GiB/s (median) | Ratio (of medians) |\n");
	printf("|---|---|---|---|---|---|---|---|---|\n");

	/* Sections 1 and 2 */
	bench_size(64 * MiB, RUNS, true, true);
	r256 = bench_size(256 * MiB, RUNS, true, true);
	avail = mem_available_kib();
	/*
	 * 1 GiB: four times the pages of 256 MiB, one source at a time, with
	 * RUNS_1G instead of RUNS runs; estimate each part (map/unmap, revoke)
	 * from the wall time of the same part at 256 MiB, population included.
	 */
	est_maps = 4 * r256->maps_ns * RUNS_1G / RUNS;
	est_revoke = 4 * r256->revoke_ns * RUNS_1G / RUNS;
	if (avail < 0 || avail < (long)(1536 * MiB / 1024))
		snprintf(note_1g, sizeof(note_1g),
			 "1 GiB omitted: MemAvailable %ld KiB in the guest is below 1.5 GiB",
			 avail);
	else if (est_maps >= BUDGET_1G_NS)
		snprintf(note_1g, sizeof(note_1g),
			 "1 GiB omitted: its map/unmap part is estimated at %.0f s (4x the %.1f s at 256 MiB, scaled to %d runs), over the 60 s budget",
			 est_maps / 1e9, r256->maps_ns / 1e9, RUNS_1G);
	else {
		bool revoke = est_maps + est_revoke < BUDGET_1G_NS;
		struct size_result *r1g;

		r1g = bench_size(GiB, RUNS_1G, false, revoke);
		snprintf(note_1g, sizeof(note_1g),
			 "1 GiB: %d runs, one source populated at a time; map/unmap part took %.1f s (estimated %.1f s)%s",
			 RUNS_1G, r1g->maps_ns / 1e9, est_maps / 1e9,
			 revoke ? "" : "; its revoke part is omitted");
		if (revoke)
			snprintf(note_1g + strlen(note_1g),
				 sizeof(note_1g) - strlen(note_1g),
				 ", revoke part took %.1f s (estimated %.1f s)",
				 r1g->revoke_ns / 1e9, est_revoke / 1e9);
		else
			snprintf(note_1g + strlen(note_1g),
				 sizeof(note_1g) - strlen(note_1g),
				 ": estimated at %.0f s (4x the %.1f s at 256 MiB, scaled to %d runs; each run repopulates the range twice), which with the map/unmap part exceeds the 60 s budget",
				 est_revoke / 1e9, r256->revoke_ns / 1e9,
				 RUNS_1G);
	}

	/* Section 3 */
	fd = gmem_create(MAX_BINDINGS * PAGE_SIZE, &vmfd);
	populate_file(fd, 0, MAX_BINDINGS * PAGE_SIZE);
	for (k = 0; k < 3; k++) {
		char op[64], ratio[64];

		punch1[k] = bench_bindings(fd, nbind[k], &setup[k]);
		snprintf(op, sizeof(op),
			 "PUNCH_HOLE 1 page, %d gmem binding%s", nbind[k],
			 nbind[k] > 1 ? "s" : "");
		snprintf(ratio, sizeof(ratio), "%.2fx time of 1 binding",
			 punch1[k].med / punch1[0].med);
		row("3", op, "4 KiB", punch1[k], 0, ratio);
	}
	close(fd);
	close(vmfd);

	/* Section 4: no binding at all; memfd for reference */
	source_open(&g, SRC_GMEM, 64 * MiB);
	source_open(&m, SRC_MEMFD, 64 * MiB);
	for (i = 0; i < RUNS; i++)
		t[i] = time_punch(g.fd, 0, 64 * MiB),
		populate_file(g.fd, 0, 64 * MiB);
	p64g = stats(t, RUNS);
	for (i = 0; i < RUNS; i++)
		t[i] = time_punch(m.fd, 0, 64 * MiB),
		populate_file(m.fd, 0, 64 * MiB);
	p64m = stats(t, RUNS);
	source_close(&g);
	source_close(&m);
	{
		char ratio[64];

		row("4", "PUNCH_HOLE gmem, no binding", "64 MiB", p64g,
		    64 * MiB, "");
		snprintf(ratio, sizeof(ratio), "gmem: %.2fx time of memfd",
			 p64g.med / p64m.med);
		row("4", "PUNCH_HOLE memfd (reference)", "64 MiB", p64m,
		    64 * MiB, ratio);
	}

	printf("\nNotes:\n\n");
	printf("- %s.\n", note_1g);
	printf("- Section 3: creating the bindings (untimed above; one MAP_FILE of one page each, into the mock domain) took %.2f ms, %.2f ms, %.2f ms in all for 1, 100, %d bindings; the punched page is page n/2, and its binding is re-created (UNMAP + MAP_FILE, untimed) after each of the %d punches.\n",
	       setup[0] / 1e6, setup[1] / 1e6, setup[2] / 1e6, MAX_BINDINGS,
	       PUNCH_RUNS);
	printf("- Revoke times the whole fallocate(PUNCH_HOLE|KEEP_SIZE): the guest_memfd invalidation (whole-area revoke from the mock domain) *and* the freeing of the pages, which UNMAP does not do; the row after it punches the same range unmapped, so the difference of the medians estimates the revoke itself (a difference of two noisy medians).\n");
	printf("- anon (THP) is backed by 2 MiB folios (CONFIG_TRANSPARENT_HUGEPAGE_ALWAYS), which iommufd pins and maps in large runs; memfd and gmem are 4 KiB folios (shmem THP never), so compare them with anon (MADV_NOHUGEPAGE), populated by writes instead of MAP_POPULATE.\n");
	printf("- gmem is not pinned nor accounted (its pages are read from the guest_memfd binding); memfd and anon are pinned and charged at MAP, unpinned at UNMAP, which is most of the UNMAP difference.\n");

	printf("- Section 4 cannot be compared with the unpatched base kernel here (that would need building it); the memfd row is only a same-run reference for the cost of a 64 MiB punch-hole.\n");
	printf("\nTargets (from the issue; medians of this run). The revoke target is checked as asked, on the whole punch-hole; the second figure subtracts the paired punch-hole of the unmapped range and is a difference of two medians whose min-max ranges overlap widely, so it only says that the revoke itself is small next to freeing the pages, not whether it is within 1.1x of UNMAP.\n\n");
	for (k = 0; k < nr_res; k++) {
		char sz[32], what[96];
		double r = res[k].map[SRC_MEMFD].med / res[k].map[SRC_GMEM].med;

		fmt_size(res[k].size, sz, sizeof(sz));
		snprintf(what, sizeof(what),
			 "gmem MAP_FILE >= 1.2x memfd MAP_FILE, %s", sz);
		check(what, r >= 1.2, "%.2fx", r);
	}
	for (k = 0; k < nr_res; k++) {
		char sz[32], what[96];
		double r = res[k].revoke.med / res[k].revoke_unmap.med;

		if (!res[k].has_revoke)
			continue;
		fmt_size(res[k].size, sz, sizeof(sz));
		snprintf(what, sizeof(what),
			 "revoke <= 1.1x UNMAP of the same range, %s", sz);
		check(what, r <= 1.1,
		      "%.2fx; without the freeing of the pages, i.e. (revoke - punch-hole of the unmapped range) / UNMAP: %.2fx",
		      r, (res[k].revoke.med - res[k].punch_unmapped.med) /
		      res[k].revoke_unmap.med);
	}
	check("one-page invalidation with 10,000 bindings within 2x of one binding",
	      punch1[2].med <= 2 * punch1[0].med, "%.2fx",
	      punch1[2].med / punch1[0].med);
	return 0;
}
