// SPDX-License-Identifier: GPL-2.0
/*
 * Benchmark of IOMMU_IOAS_MAP_FILE from a KVM guest_memfd (gmem), compared
 * with a memfd and with IOMMU_IOAS_MAP of anonymous memory, into two IOASes:
 * one with the iommufd selftest mock domain, one with the emulated Intel
 * VT-d domain of QEMU's edu device (bound to vfio-pci, attached through its
 * vfio cdev, see tests/e2e/edu.h).
 *
 *  1. map throughput of each source into each domain; gmem and memfd also
 *     into an IOAS with no domain, where mapping gmem only attaches an
 *     importer (kvm_gmem_importer_attach() populates and registers the
 *     range, no IOPTE is written), which splits the gmem figure between
 *     attaching and filling;
 *  2. IOMMU_IOAS_UNMAP of each; the revoke of a mapped gmem range by a
 *     punch-hole (which also frees the pages), and by the conversion of a
 *     software-protected VM's range to private (which frees nothing, and
 *     maps the pages again once the new attributes are stored), each
 *     against IOMMU_IOAS_UNMAP of the same range and the same operation on
 *     the range unmapped;
 *  3. punch-hole of one gmem page with 1, 100 and 10,000 disjoint importers
 *     (one page each, mock domain) on the same gmem, only one of which
 *     overlaps the page;
 *  4. punch-hole of 1 GiB of gmem with no importer, and of a memfd for
 *     reference, interleaved.  With --idle, the program runs only this
 *     section, which uses no ioctl of the series, so that the same binary
 *     measures the base kernel and the patched one, each in its own boot
 *     under QEMU -icount (the guest clock counts guest instructions, which
 *     the host's load does not change); the full run reads the samples of
 *     both boots (--idle-samples) and reports the ratio of the two;
 *  5. punch-hole of one page in the middle of a mapped 4 MiB gmem and of a
 *     mapped 1 GiB one, in each domain: only the page is unmapped, so the
 *     cost follows the page, not the area;
 *  6. populate of one punched page of a mapped 4 MiB gmem (fallocate() of
 *     the page, which allocates and zeroes it and maps it in the domain),
 *     against IOMMU_IOAS_MAP_FILE of one page, in each domain.
 *
 * Every source is populated before a map is timed, so the map paths are
 * compared.  Times come from clock_gettime(CLOCK_MONOTONIC) around the one
 * syscall measured; each figure is the median of an odd number (>= 5) of
 * runs, with min and max.  After each timed punch-hole,
 * IOMMU_TEST_OP_IOAS_CHECK_GMEM requires every IOVA of the range to be
 * unmapped in the domain, so that a skipped revoke fails the program; after
 * each timed conversion, every IOVA to map its page again.
 * scripts/bench.sh runs every section under QEMU -icount, where times are
 * guest instruction counts: compare ratios, not absolute times.
 *
 * Usage: gmem_bench --idle | --idle-samples BASE PATCHED | --quick
 * (--quick: a smoke run of sections 1 and 2 at 64 MiB, 5 runs.)
 * Output: a markdown table on stdout, then notes and the targets check;
 * --idle adds the "samples" lines that BASE and PATCHED hold.  Exits
 * non-zero on any failure.  Needs CONFIG_IOMMUFD_TEST, KVM with
 * software-protected VMs and the edu device behind VT-d (QEMU -device
 * intel-iommu -device edu).
 */
#define _GNU_SOURCE
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>

#include <linux/falloc.h>

#define EDU_ERR_PREFIX "# error: "
#include "../../tests/e2e/edu.h"
#include "iommufd_test.h"

#define PAGE_SIZE	4096UL
#define MiB		(1024UL * 1024)
#define GiB		(1024UL * MiB)
#define RUNS		7
#define RUNS_1G		5
#define PUNCH_RUNS	21
#define IDLE_RUNS	11
#define MAX_RUNS	21
/* Inside the mock aperture (16 MiB..2 GiB) and below VT-d's MSI window */
#define IOVA_BASE	MOCK_APERTURE_START
#define IMPORTER_IOVA	MOCK_APERTURE_START
#define MAX_IMPORTERS	10000
#define PRIV_GPA	0UL
/*
 * Run a 1 GiB part only if it is estimated to keep the 1 GiB section under
 * this, so that both boots of `make bench` stay around 4 minutes of QEMU.
 */
#define BUDGET_1G_NS	75e9

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

/* DOM_NONE, last, has no domain: only the file sources are mapped there. */
enum dom { DOM_MOCK, DOM_VTD, DOM_NONE, NR_DOM };
#define NR_HW_DOM	DOM_NONE
static const char *const dom_name[NR_DOM] = { "mock", "VT-d", "none" };

/* An IOAS; edu.h's helpers use iommufd and ioas_id, edu_open() the rest. */
static struct edu dom[NR_DOM];

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
static void row(const char *sect, const char *domain, const char *op,
		const char *size, struct stat3 s, unsigned long bytes,
		const char *ratio)
{
	char a[32], b[32], c[32], gbs[32] = "";

	if (bytes)
		snprintf(gbs, sizeof(gbs), "%.2f",
			 (double)bytes / GiB / (s.med / 1e9));
	printf("| %s | %s | %s | %s | %d | %s | %s | %s | %s | %s |\n", sect,
	       domain, op, size, s.n, fmt_time(s.med, a, sizeof(a)),
	       fmt_time(s.min, b, sizeof(b)), fmt_time(s.max, c, sizeof(c)),
	       gbs, ratio);
}

/* ---- iommufd ---- */

/* A new iommufd with one IOAS in @d, with a mock domain if @mock. */
static void ioas_setup(struct edu *d, bool mock)
{
	struct iommu_ioas_alloc alloc = { .size = sizeof(alloc) };
	struct iommu_test_cmd cmd = {
		.size = sizeof(cmd),
		.op = IOMMU_TEST_OP_MOCK_DOMAIN,
	};

	d->devfd = -1;
	d->iommufd = open("/dev/iommu", O_RDWR | O_CLOEXEC);
	if (d->iommufd < 0)
		die("open /dev/iommu");
	if (ioctl(d->iommufd, IOMMU_IOAS_ALLOC, &alloc))
		die("IOMMU_IOAS_ALLOC");
	d->ioas_id = alloc.out_ioas_id;
	cmd.id = d->ioas_id;
	if (mock && ioctl(d->iommufd, IOMMU_TEST_CMD, &cmd))
		die("IOMMU_TEST_OP_MOCK_DOMAIN (CONFIG_IOMMUFD_TEST?)");
}

/*
 * The test kernel checks, at each revoke of a guest_memfd area, that every
 * page its IOPTEs point at is still in the page cache: a walk of every IOPTE,
 * which the revoke timings must not include.  Off for the whole run (a boot
 * of its own).
 */
static void revoke_check(bool enable)
{
	struct iommu_test_cmd cmd = {
		.size = sizeof(cmd),
		.op = IOMMU_TEST_OP_GMEM_REVOKE_CHECK,
		.gmem_revoke_check = { .enable = enable },
	};

	if (ioctl(dom[DOM_MOCK].iommufd, IOMMU_TEST_CMD, &cmd))
		die("IOMMU_TEST_OP_GMEM_REVOKE_CHECK");
}

/* The edu device bound to vfio-pci and attached to a new IOAS in @d. */
static void vtd_setup(struct edu *d)
{
	int found = edu_find(d->bdf, sizeof(d->bdf));

	if (!found) {
		errno = ENODEV;
		die("no edu device (%04x:%04x) to attach to VT-d", EDU_VENDOR,
		    EDU_DEVICE);
	}
	/* edu.h has reported the cause */
	if (found < 0 || edu_bind_vfio(d) || edu_open(d))
		exit(1);
}

static void map_file(struct edu *d, int fd, __u64 start, __u64 length,
		     __u64 iova)
{
	if (ioas_map_file(d, fd, start, length, iova))
		exit(1);
}

static void map_user(struct edu *d, void *va, __u64 length, __u64 iova)
{
	struct iommu_ioas_map map = {
		.size = sizeof(map),
		.flags = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE |
			 IOMMU_IOAS_MAP_WRITEABLE,
		.ioas_id = d->ioas_id,
		.user_va = (uintptr_t)va,
		.length = length,
		.iova = iova,
	};

	if (ioctl(d->iommufd, IOMMU_IOAS_MAP, &map))
		die("IOMMU_IOAS_MAP(%s, length 0x%llx)", dom_name[d - dom],
		    (unsigned long long)length);
}

static void unmap(struct edu *d, __u64 iova, __u64 length)
{
	if (ioas_unmap(d, iova, length))
		exit(1);
}

static void unmap_all(struct edu *d)
{
	struct iommu_ioas_unmap cmd = {
		.size = sizeof(cmd),
		.ioas_id = d->ioas_id,
		.length = UINT64_MAX,
	};

	if (ioctl(d->iommufd, IOMMU_IOAS_UNMAP, &cmd))
		die("IOMMU_IOAS_UNMAP(%s, everything)", dom_name[d - dom]);
}

/*
 * Require every page of [iova, iova + length) in the domain of @d to map the
 * page of @fd at the same distance from @offset or, if @fd is -1, to be
 * unmapped.
 */
static void check_gmem(struct edu *d, __u64 iova, __u64 length, int fd,
		       __u64 offset)
{
	struct iommu_test_cmd cmd = {
		.size = sizeof(cmd),
		.op = IOMMU_TEST_OP_IOAS_CHECK_GMEM,
		.id = d->ioas_id,
		.check_gmem = {
			.iova = iova,
			.length = length,
			.offset = offset,
			.gmem_fd = fd,
		},
	};

	if (ioctl(d->iommufd, IOMMU_TEST_CMD, &cmd))
		die("IOMMU_TEST_OP_IOAS_CHECK_GMEM: the %s domain does not %s [0x%llx, +0x%llx)",
		    dom_name[d - dom], fd < 0 ? "leave unmapped" : "map gmem at",
		    (unsigned long long)iova, (unsigned long long)length);
}

/* ---- sources ---- */

struct source {
	enum src type;
	unsigned long size;
	int fd;		/* gmem, memfd */
	int vmfd;	/* gmem */
	void *va;	/* anon */
};

/* A shared guest_memfd of @size in a new VM (edu.h reports failures). */
static int gmem_open(unsigned long size, int *vmfd)
{
	int fd = gmem_create(size, vmfd);

	if (fd < 0)
		exit(1);
	return fd;
}

static int memfd_open(unsigned long size)
{
	int fd = memfd_create("bench", MFD_CLOEXEC);

	if (fd < 0)
		die("memfd_create");
	if (ftruncate(fd, size))
		die("ftruncate(memfd, %lu)", size);
	return fd;
}

/* Allocate every page of [off, off + len) of @fd. */
static void populate_file(int fd, unsigned long off, unsigned long len)
{
	if (fallocate(fd, FALLOC_FL_KEEP_SIZE, off, len))
		die("fallocate(KEEP_SIZE, fd %d, 0x%lx, 0x%lx)", fd, off, len);
}

/* Allocate every page of the first @len bytes of @fd and write to it. */
static void write_file(int fd, unsigned long len)
{
	void *p;

	populate_file(fd, 0, len);
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		die("mmap(fd %d, 0x%lx)", fd, len);
	memset(p, 0x5a, len);
	if (munmap(p, len))
		die("munmap");
}

/*
 * Physical contiguity of a source: the maximal runs of physically contiguous
 * pages (pfn[i + 1] == pfn[i] + 1), which iommufd merges into one batch entry
 * (batch_add_pfn()) and maps with one iommu_map() call each; and the steps
 * pfn[i + 1] == pfn[i] - 1, the order in which the allocator hands out pages
 * it got back (LIFO), which count as breaks.
 */
struct pfnruns {
	long runs, down;
};

/*
 * Count the runs of the @len bytes at @va, every page of which must be
 * present, from /proc/self/pagemap (bit 63 present, bits 0-54 the PFN, which
 * is 0 without CAP_SYS_ADMIN).
 */
static struct pfnruns pfn_runs(const void *va, unsigned long len)
{
	static uint64_t ent[4096];
	unsigned long npages = len / PAGE_SIZE, done = 0, n, i;
	struct pfnruns r = { 0, 0 };
	uint64_t pfn, prev = 0;
	int fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		die("open /proc/self/pagemap");
	while (done < npages) {
		n = npages - done;
		if (n > sizeof(ent) / sizeof(ent[0]))
			n = sizeof(ent) / sizeof(ent[0]);
		if (pread(fd, ent, n * sizeof(ent[0]),
			  ((uintptr_t)va / PAGE_SIZE + done) * sizeof(ent[0])) !=
		    (ssize_t)(n * sizeof(ent[0])))
			die("read /proc/self/pagemap");
		for (i = 0; i < n; i++) {
			pfn = ent[i] & ((1ULL << 55) - 1);
			if (!(ent[i] >> 63) || !pfn) {
				errno = EINVAL;
				die("pagemap: page %lu of %p %s", done + i, va,
				    !(ent[i] >> 63) ? "not present" :
				    "has PFN 0 (not CAP_SYS_ADMIN?)");
			}
			if (!(done + i) || pfn != prev + 1)
				r.runs++;
			if (done + i && pfn == prev - 1)
				r.down++;
			prev = pfn;
		}
		done += n;
	}
	if (close(fd))
		die("close pagemap");
	return r;
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
		s->fd = gmem_open(size, &s->vmfd);
		write_file(s->fd, size);
		break;
	case SRC_MEMFD:
		s->fd = memfd_open(size);
		write_file(s->fd, size);
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

/*
 * The runs of a populated source: anonymous memory where it is mapped, a
 * file through a new shared mapping of it, faulted in by reads (its pages
 * are all allocated: this allocates nothing), unmapped after.
 */
static struct pfnruns source_runs(const struct source *s)
{
	volatile const char *p;
	struct pfnruns r;
	unsigned long off;

	if (s->va)
		return pfn_runs(s->va, s->size);
	p = mmap(NULL, s->size, PROT_READ, MAP_SHARED | MAP_POPULATE, s->fd,
		 0);
	if (p == MAP_FAILED)
		die("mmap(fd %d, 0x%lx) to count PFN runs", s->fd, s->size);
	for (off = 0; off < s->size; off += PAGE_SIZE)
		(void)p[off];
	r = pfn_runs((const void *)p, s->size);
	if (munmap((void *)p, s->size))
		die("munmap");
	return r;
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

static double source_map(struct source *s, struct edu *d, __u64 iova)
{
	double t0 = now_ns();

	if (s->va)
		map_user(d, s->va, s->size, iova);
	else
		map_file(d, s->fd, 0, s->size, iova);
	return now_ns() - t0;
}

static double time_unmap(struct edu *d, __u64 iova, __u64 length)
{
	double t0 = now_ns();

	unmap(d, iova, length);
	return now_ns() - t0;
}

static double time_punch(int fd, unsigned long off, unsigned long len)
{
	double t0 = now_ns();

	punch(fd, off, len);
	return now_ns() - t0;
}

/*
 * A software-protected VM whose private guest_memfd of @size, populated,
 * backs memslot 0 at PRIV_GPA, as in tests/e2e/gmem_edu_dma.c.
 */
static void pvm_open(struct swp_vm *v, unsigned long size)
{
	int ret = swp_vm_create(v, size, PRIV_GPA);

	if (ret > 0) {
		errno = EOPNOTSUPP;
		die("no KVM_X86_SW_PROTECTED_VM");
	}
	/* edu.h has reported the cause */
	if (ret)
		exit(1);
	populate_file(v->gmem_fd, 0, size);
}

/*
 * Set the attributes of [off, off + len) of the memslot of @v: private, or
 * shared (0).
 */
static double time_convert(struct swp_vm *v, unsigned long off,
			   unsigned long len, __u64 attributes)
{
	struct kvm_memory_attributes attrs = {
		.address = PRIV_GPA + off,
		.size = len,
		.attributes = attributes,
	};
	double t0 = now_ns();

	if (ioctl(v->vmfd, KVM_SET_MEMORY_ATTRIBUTES, &attrs))
		die("KVM_SET_MEMORY_ATTRIBUTES(GPA 0x%lx, size 0x%lx, %s)",
		    PRIV_GPA + off, len, attributes ? "PRIVATE" : "shared");
	return now_ns() - t0;
}

/* ---- results kept for the targets check ---- */

struct revoke {
	struct stat3 revoke[NR_HW_DOM], unmap[NR_HW_DOM], unmapped;
};

/* What bench_convert() converts: the whole memslot, or one page of it */
enum conv { CONV_ALL, CONV_PAGE, NR_CONV };

struct size_result {
	unsigned long size;
	struct stat3 map[NR_DOM][NR_SRC], unmap[NR_DOM][NR_SRC];
	/* PFN runs of each source before its timed maps, and after them */
	struct pfnruns runs[NR_SRC], runs_after[NR_SRC];
	struct revoke punch, convert[NR_CONV];
	bool has_punch, has_convert;
	/* Wall time of each part */
	double maps_ns, punch_ns, convert_ns;
};

static struct size_result res[3];
static int nr_res;
static struct stat3 punch1[3];
static const int nimp[3] = { 1, 100, MAX_IMPORTERS };

/* Whether @k can be mapped into @d: no anonymous memory into DOM_NONE */
static bool mapped_into(int d, int k)
{
	return d != DOM_NONE || k == SRC_GMEM || k == SRC_MEMFD;
}

static void time_map_unmap(struct source *s, int k, int i,
			   double tmap[][NR_SRC][MAX_RUNS],
			   double tunmap[][NR_SRC][MAX_RUNS])
{
	int d;

	for (d = 0; d < NR_DOM; d++) {
		if (!mapped_into(d, k))
			continue;
		tmap[d][k][i] = source_map(s, &dom[d], IOVA_BASE);
		tunmap[d][k][i] = time_unmap(&dom[d], IOVA_BASE, s->size);
	}
}

/* Populate one source of each kind, of @size; return the wall time taken. */
static double sources_open(struct source src[NR_SRC], unsigned long size)
{
	double t0 = now_ns();
	int k;

	for (k = 0; k < NR_SRC; k++)
		source_open(&src[k], k, size);
	return now_ns() - t0;
}

/*
 * Sections 1 and 2 (map, unmap) for one size.  Each run maps and unmaps a
 * source in every domain in turn.  With @pre, sources populated beforehand
 * by sources_open() in @pop_ns, the runs interleave them (gmem, memfd, anon,
 * ..., gmem, ...), so that a change of host load hits them alike; without
 * (1 GiB) they are populated here one at a time, to bound memory.  The PFN
 * runs of each source are counted before its timed maps, and after them.
 * The gmem source is left in @gmem.
 */
static struct size_result *bench_maps(unsigned long size, int runs,
				      struct source *pre, double pop_ns,
				      struct source *gmem)
{
	double tmap[NR_DOM][NR_SRC][MAX_RUNS], tunmap[NR_DOM][NR_SRC][MAX_RUNS];
	struct size_result *r = &res[nr_res++];
	struct source src[NR_SRC];
	double t0 = now_ns() - pop_ns;
	int i, k, d;

	r->size = size;
	if (pre) {
		memcpy(src, pre, sizeof(src));
		for (k = 0; k < NR_SRC; k++)
			r->runs[k] = source_runs(&src[k]);
		for (i = 0; i < runs; i++)
			for (k = 0; k < NR_SRC; k++)
				time_map_unmap(&src[k], k, i, tmap, tunmap);
		for (k = 0; k < NR_SRC; k++)
			r->runs_after[k] = source_runs(&src[k]);
		for (k = 1; k < NR_SRC; k++)
			source_close(&src[k]);
	} else {
		for (k = NR_SRC - 1; k >= 0; k--) {
			source_open(&src[k], k, size);
			r->runs[k] = source_runs(&src[k]);
			for (i = 0; i < runs; i++)
				time_map_unmap(&src[k], k, i, tmap, tunmap);
			r->runs_after[k] = source_runs(&src[k]);
			if (k)
				source_close(&src[k]);
		}
	}
	*gmem = src[SRC_GMEM];
	r->maps_ns = now_ns() - t0;
	for (d = 0; d < NR_DOM; d++) {
		for (k = 0; k < NR_SRC; k++) {
			if (!mapped_into(d, k))
				continue;
			r->map[d][k] = stats(tmap[d][k], runs);
			r->unmap[d][k] = stats(tunmap[d][k], runs);
		}
	}
	return r;
}

/*
 * Section 2, revoke by punch-hole: in each domain in turn, with the gmem
 * range mapped, time an IOMMU_IOAS_UNMAP of it, map it again, time the
 * punch-hole over it (which revokes the area and frees the pages), check
 * that nothing is left mapped, then unmap the revoked area and repopulate,
 * untimed.  For the share of freeing the pages, time a punch-hole of the
 * same, repopulated, range while it is not mapped.
 */
static void bench_punch(struct size_result *r, struct source *g, int runs)
{
	double trev[NR_HW_DOM][MAX_RUNS], tunmap[NR_HW_DOM][MAX_RUNS];
	double tpu[MAX_RUNS], t0 = now_ns();
	int i, d;

	for (i = 0; i < runs; i++) {
		for (d = 0; d < NR_HW_DOM; d++) {
			source_map(g, &dom[d], IOVA_BASE);
			if (!i)
				check_gmem(&dom[d], IOVA_BASE, g->size, g->fd, 0);
			tunmap[d][i] = time_unmap(&dom[d], IOVA_BASE, g->size);
			source_map(g, &dom[d], IOVA_BASE);
			trev[d][i] = time_punch(g->fd, 0, g->size);
			check_gmem(&dom[d], IOVA_BASE, g->size, -1, 0);
			unmap(&dom[d], IOVA_BASE, g->size);
			populate_file(g->fd, 0, g->size);
		}
		tpu[i] = time_punch(g->fd, 0, g->size);
		populate_file(g->fd, 0, g->size);
	}
	for (d = 0; d < NR_HW_DOM; d++) {
		r->punch.revoke[d] = stats(trev[d], runs);
		r->punch.unmap[d] = stats(tunmap[d], runs);
	}
	r->punch.unmapped = stats(tpu, runs);
	r->has_punch = true;
	r->punch_ns = now_ns() - t0;
}

/*
 * After a conversion of part of the mapped range of size @size: the converted
 * pages were unmapped before the attributes changed, and mapped again once
 * they were stored (a software-protected VM lets importers map both states),
 * so every page of the range maps its guest_memfd page in the domain of @d.
 */
static void check_converted(struct edu *d, const struct swp_vm *p,
			    unsigned long size)
{
	check_gmem(d, IOVA_BASE, size, p->gmem_fd, 0);
}

/*
 * Section 2, revoke by conversion: a software-protected VM's guest_memfd of
 * the same size, bound to its memslot and mapped in each domain in turn;
 * time IOMMU_IOAS_UNMAP of the range, map it again, time the conversion to
 * private of the whole range, or of one page in its middle (which unmaps
 * the converted pages only, frees nothing, and maps them again once the
 * attributes are stored), check that every page is mapped, unmap the area
 * and convert back to shared, untimed.
 * For the share of the conversion itself, time the same conversion with
 * nothing mapped.
 */
static void bench_convert(struct size_result *r, int runs)
{
	double trev[NR_CONV][NR_HW_DOM][MAX_RUNS];
	double tunmap[NR_CONV][NR_HW_DOM][MAX_RUNS];
	double tconv[NR_CONV][MAX_RUNS], t0 = now_ns();
	unsigned long size = r->size, off, len;
	struct swp_vm p = SWP_VM_INIT;
	int i, c, d;

	pvm_open(&p, size);
	for (i = 0; i < runs; i++) {
		for (c = 0; c < NR_CONV; c++) {
			off = c == CONV_PAGE ? size / 2 : 0;
			len = c == CONV_PAGE ? PAGE_SIZE : size;
			for (d = 0; d < NR_HW_DOM; d++) {
				map_file(&dom[d], p.gmem_fd, 0, size,
					 IOVA_BASE);
				if (!i && !c)
					check_gmem(&dom[d], IOVA_BASE, size,
						   p.gmem_fd, 0);
				tunmap[c][d][i] = time_unmap(&dom[d],
							     IOVA_BASE, size);
				map_file(&dom[d], p.gmem_fd, 0, size,
					 IOVA_BASE);
				trev[c][d][i] = time_convert(&p, off, len,
						KVM_MEMORY_ATTRIBUTE_PRIVATE);
				check_converted(&dom[d], &p, size);
				unmap(&dom[d], IOVA_BASE, size);
				time_convert(&p, off, len, 0);
			}
			tconv[c][i] = time_convert(&p, off, len,
						   KVM_MEMORY_ATTRIBUTE_PRIVATE);
			time_convert(&p, off, len, 0);
		}
	}
	if (swp_vm_destroy(&p))
		exit(1);
	for (c = 0; c < NR_CONV; c++) {
		for (d = 0; d < NR_HW_DOM; d++) {
			r->convert[c].revoke[d] = stats(trev[c][d], runs);
			r->convert[c].unmap[d] = stats(tunmap[c][d], runs);
		}
		r->convert[c].unmapped = stats(tconv[c], runs);
	}
	r->has_convert = true;
	r->convert_ns = now_ns() - t0;
}

/* (revoke - the same operation unmapped) / UNMAP, of the medians */
static double revoke_ratio(const struct revoke *v, int d)
{
	return (v->revoke[d].med - v->unmapped.med) / v->unmap[d].med;
}

static void print_revoke(const struct revoke *v, const char *sz,
			 unsigned long size, const char *how,
			 const char *unmapped)
{
	char op[128], ratio[128];
	int d;

	for (d = 0; d < NR_HW_DOM; d++) {
		row("2", dom_name[d], "UNMAP of gmem MAP_FILE (paired with revoke)",
		    sz, v->unmap[d], size, "");
		snprintf(op, sizeof(op), "revoke of mapped gmem: %s", how);
		snprintf(ratio, sizeof(ratio),
			 "%.2fx paired UNMAP; minus the unmapped row: %.2fx",
			 v->revoke[d].med / v->unmap[d].med,
			 revoke_ratio(v, d));
		row("2", dom_name[d], op, sz, v->revoke[d], size, ratio);
	}
	snprintf(op, sizeof(op), "%s, the same gmem not mapped", unmapped);
	row("2", "-", op, sz, v->unmapped, size, "");
}

/*
 * The ratio column of a map or unmap row: to memfd in the same domain, or,
 * for gmem in no domain, the share of attaching in gmem's map time.
 */
static void map_ratio(const struct stat3 s[NR_DOM][NR_SRC], int d, int k,
		      char *buf, size_t size)
{
	if (d != DOM_NONE)
		snprintf(buf, size, "%.2fx memfd throughput",
			 s[d][SRC_MEMFD].med / s[d][k].med);
	else if (k == SRC_GMEM)
		snprintf(buf, size, "%.2fx time of mock, %.2fx of VT-d",
			 s[d][k].med / s[DOM_MOCK][k].med,
			 s[d][k].med / s[DOM_VTD][k].med);
	else
		buf[0] = '\0';
}

/* "N PFN runs", with the count after the timed maps if it differs */
static const char *fmt_runs(const struct size_result *r, int k, char *buf,
			    size_t size)
{
	int len = snprintf(buf, size, "%ld PFN runs", r->runs[k].runs);

	if (r->runs_after[k].runs != r->runs[k].runs)
		snprintf(buf + len, size - len, " (%ld after the maps)",
			 r->runs_after[k].runs);
	return buf;
}

/* gmem vs memfd per PFN run: (memfd time / run) / (gmem time / run) */
static double per_run_ratio(const struct size_result *r, int d)
{
	return (r->map[d][SRC_MEMFD].med / r->runs[SRC_MEMFD].runs) /
	       (r->map[d][SRC_GMEM].med / r->runs[SRC_GMEM].runs);
}

static void print_size(const struct size_result *r)
{
	char sz[32], op[96], ratio[160], runs[64];
	int d, k, len;

	fmt_size(r->size, sz, sizeof(sz));
	for (d = 0; d < NR_DOM; d++) {
		for (k = 0; k < NR_SRC; k++) {
			if (!mapped_into(d, k))
				continue;
			map_ratio(r->map, d, k, ratio, sizeof(ratio));
			len = strlen(ratio);
			snprintf(ratio + len, sizeof(ratio) - len, "%s%s",
				 len ? "; " : "",
				 fmt_runs(r, k, runs, sizeof(runs)));
			row("1", dom_name[d], src_name[k], sz, r->map[d][k],
			    r->size, ratio);
		}
	}
	for (d = 0; d < NR_DOM; d++) {
		for (k = 0; k < NR_SRC; k++) {
			if (!mapped_into(d, k))
				continue;
			snprintf(op, sizeof(op), "UNMAP of %s", src_name[k]);
			map_ratio(r->unmap, d, k, ratio, sizeof(ratio));
			row("2", dom_name[d], op, sz, r->unmap[d][k], r->size,
			    ratio);
		}
	}
	if (r->has_punch)
		print_revoke(&r->punch, sz, r->size, "PUNCH_HOLE",
			     "PUNCH_HOLE");
	if (!r->has_convert)
		return;
	print_revoke(&r->convert[CONV_ALL], sz, r->size,
		     "conversion of all to private",
		     "Conversion of all to private");
	print_revoke(&r->convert[CONV_PAGE], sz, r->size,
		     "conversion of 1 page to private",
		     "Conversion of 1 page to private");
}

/*
 * The note on the PFN runs of one size: the count of each source, its
 * descending steps, and for each domain the median map time per run and per
 * page.
 */
static void print_runs_note(const struct size_result *r)
{
	unsigned long pages = r->size / PAGE_SIZE;
	char sz[32], a[32], b[32], c[64];
	int d, k;

	printf("- PFN runs, %s (%lu pages): ",
	       fmt_size(r->size, sz, sizeof(sz)), pages);
	for (k = 0; k < NR_SRC; k++)
		printf("%s%s %s, %ld descending steps", k ? "; " : "",
		       src_name[k], fmt_runs(r, k, c, sizeof(c)),
		       r->runs[k].down);
	printf(". Median map time per run / per page:");
	for (d = 0; d < NR_DOM; d++) {
		printf(" %s:", dom_name[d]);
		for (k = 0; k < NR_SRC; k++) {
			if (!mapped_into(d, k))
				continue;
			printf("%s %s %s / %s", k ? "," : "", src_name[k],
			       fmt_time(r->map[d][k].med / r->runs[k].runs,
					a, sizeof(a)),
			       fmt_time(r->map[d][k].med / pages, b,
					sizeof(b)));
		}
		printf("%s", d < NR_DOM - 1 ? ";" : "");
	}
	printf(". gmem vs memfd per PFN run ((memfd time / memfd runs) / (gmem time / gmem runs)): mock %.2fx, VT-d %.2fx (raw %.2fx, %.2fx).\n",
	       per_run_ratio(r, DOM_MOCK), per_run_ratio(r, DOM_VTD),
	       r->map[DOM_MOCK][SRC_MEMFD].med / r->map[DOM_MOCK][SRC_GMEM].med,
	       r->map[DOM_VTD][SRC_MEMFD].med / r->map[DOM_VTD][SRC_GMEM].med);
}

/*
 * Section 3: @n disjoint one-page importers of pages 0..n-1 of @fd in the mock
 * domain; time the punch-hole of page n/2, which only its own importer
 * overlaps, check that it revoked that importer, then unmap the revoked area
 * and map that page again (untimed).
 */
static struct stat3 bench_importers(int fd, int n, double *setup_ns)
{
	struct edu *d = &dom[DOM_MOCK];
	double t[MAX_RUNS], t0;
	int i, victim = n / 2;
	__u64 viova = IMPORTER_IOVA + 2ULL * victim * PAGE_SIZE;

	t0 = now_ns();
	for (i = 0; i < n; i++)
		map_file(d, fd, (__u64)i * PAGE_SIZE, PAGE_SIZE,
			 IMPORTER_IOVA + 2ULL * i * PAGE_SIZE);
	*setup_ns = now_ns() - t0;
	for (i = 0; i < PUNCH_RUNS; i++) {
		t[i] = time_punch(fd, (unsigned long)victim * PAGE_SIZE,
				  PAGE_SIZE);
		check_gmem(d, viova, PAGE_SIZE, -1, 0);
		unmap(d, viova, PAGE_SIZE);
		populate_file(fd, (unsigned long)victim * PAGE_SIZE, PAGE_SIZE);
		map_file(d, fd, (__u64)victim * PAGE_SIZE, PAGE_SIZE, viova);
	}
	unmap_all(d);
	return stats(t, PUNCH_RUNS);
}

/* Section 5: area sizes of the one-page punch-holes */
static const unsigned long punch_area[2] = { 4 * MiB, GiB };
static struct stat3 punch_page[2][NR_HW_DOM];

/*
 * Section 5: a one-page punch-hole in the middle of a mapped 4 MiB gmem, and
 * of a mapped 1 GiB one, in each domain.  Only the page is unmapped, so the
 * cost should follow the page, not the area.  Each run punches another page,
 * which is mapped until then, and checks it unmapped; at the end the rest
 * of the area must still be mapped.
 */
static void bench_punch_page(void)
{
	double t[MAX_RUNS];
	int s, d, i, fd, vmfd;

	for (s = 0; s < 2; s++) {
		unsigned long size = punch_area[s], mid = size / 2;

		fd = gmem_open(size, &vmfd);
		populate_file(fd, 0, size);
		for (d = 0; d < NR_HW_DOM; d++) {
			map_file(&dom[d], fd, 0, size, IOVA_BASE);
			for (i = 0; i < PUNCH_RUNS; i++) {
				unsigned long off = mid + i * PAGE_SIZE;

				t[i] = time_punch(fd, off, PAGE_SIZE);
				check_gmem(&dom[d], IOVA_BASE + off, PAGE_SIZE,
					   -1, 0);
			}
			check_gmem(&dom[d], IOVA_BASE, mid, fd, 0);
			unmap(&dom[d], IOVA_BASE, size);
			populate_file(fd, mid, PUNCH_RUNS * PAGE_SIZE);
			punch_page[s][d] = stats(t, PUNCH_RUNS);
		}
		if (close(fd) || close(vmfd))
			die("close");
	}
}

/* Section 6: one-page populate and one-page MAP_FILE, by domain */
static struct stat3 populate_page[NR_HW_DOM], map_page[NR_HW_DOM];

/*
 * Section 6: in a mapped 4 MiB gmem, punch a page (untimed) and allocate it
 * again with fallocate() (timed), which maps the new page in the domain
 * before it returns, checked; and, interleaved, IOMMU_IOAS_MAP_FILE of one
 * page of the same gmem at an IOVA past the area (timed), unmapped untimed.
 */
static void bench_populate_page(void)
{
	double tp[MAX_RUNS], tm[MAX_RUNS];
	unsigned long size = 4 * MiB, mid = size / 2;
	__u64 iova_page = IOVA_BASE + size;
	int d, i, fd, vmfd;
	double t0;

	fd = gmem_open(size, &vmfd);
	populate_file(fd, 0, size);
	for (d = 0; d < NR_HW_DOM; d++) {
		map_file(&dom[d], fd, 0, size, IOVA_BASE);
		for (i = 0; i < PUNCH_RUNS; i++) {
			unsigned long off = mid + i * PAGE_SIZE;

			punch(fd, off, PAGE_SIZE);
			check_gmem(&dom[d], IOVA_BASE + off, PAGE_SIZE, -1, 0);
			t0 = now_ns();
			populate_file(fd, off, PAGE_SIZE);
			tp[i] = now_ns() - t0;
			check_gmem(&dom[d], IOVA_BASE + off, PAGE_SIZE, fd, off);

			t0 = now_ns();
			map_file(&dom[d], fd, off, PAGE_SIZE, iova_page);
			tm[i] = now_ns() - t0;
			check_gmem(&dom[d], iova_page, PAGE_SIZE, fd, off);
			unmap(&dom[d], iova_page, PAGE_SIZE);
		}
		check_gmem(&dom[d], IOVA_BASE, size, fd, 0);
		unmap(&dom[d], IOVA_BASE, size);
		populate_page[d] = stats(tp, PUNCH_RUNS);
		map_page[d] = stats(tm, PUNCH_RUNS);
	}
	if (close(fd) || close(vmfd))
		die("close");
}

/* Section 4: the samples of the idle punch-hole, gmem and memfd */
struct idle {
	double gmem[MAX_RUNS], memfd[MAX_RUNS];
	int n;
};

/*
 * Punch 1 GiB of gmem, populated, with no importer, and the same of a memfd,
 * interleaved and in alternate order, so that both see the same host load.
 */
static void bench_idle(struct idle *v)
{
	int gfd, vmfd, mfd, i;

	gfd = gmem_open(GiB, &vmfd);
	mfd = memfd_open(GiB);
	for (i = 0; i < IDLE_RUNS; i++) {
		populate_file(gfd, 0, GiB);
		populate_file(mfd, 0, GiB);
		if (i % 2) {
			v->memfd[i] = time_punch(mfd, 0, GiB);
			v->gmem[i] = time_punch(gfd, 0, GiB);
		} else {
			v->gmem[i] = time_punch(gfd, 0, GiB);
			v->memfd[i] = time_punch(mfd, 0, GiB);
		}
	}
	v->n = IDLE_RUNS;
	if (close(gfd) || close(mfd) || close(vmfd))
		die("close");
}

static void print_samples(const char *name, const double *v, int n)
{
	int i;

	printf("samples %s %d", name, n);
	for (i = 0; i < n; i++)
		printf(" %.0f", v[i]);
	printf("\n");
}

static void read_samples(FILE *f, const char *path, const char *name,
			 double *v, int *n)
{
	char got[16];
	int i;

	if (fscanf(f, " samples %15s %d", got, n) != 2 || strcmp(got, name) ||
	    *n < 5 || *n > MAX_RUNS) {
		errno = EINVAL;
		die("%s: no \"samples %s N\" line with 5 <= N <= %d", path,
		    name, MAX_RUNS);
	}
	for (i = 0; i < *n; i++) {
		if (fscanf(f, "%lf", &v[i]) != 1 || v[i] <= 0) {
			errno = EINVAL;
			die("%s: sample %d of %s", path, i, name);
		}
	}
}

static void read_samples_file(const char *path, struct idle *v)
{
	FILE *f = fopen(path, "r");
	int n;

	if (!f)
		die("open %s", path);
	read_samples(f, path, "gmem", v->gmem, &v->n);
	read_samples(f, path, "memfd", v->memfd, &n);
	fclose(f);
	if (n != v->n) {
		errno = EINVAL;
		die("%s: %d gmem samples but %d memfd ones", path, v->n, n);
	}
}

static void print_idle(const char *kernel, struct stat3 g, struct stat3 m,
		       const char *ratio_g, const char *ratio_m)
{
	char op[96];

	snprintf(op, sizeof(op), "PUNCH_HOLE gmem, no importer, %s", kernel);
	row("4", "-", op, "1 GiB", g, GiB, ratio_g);
	snprintf(op, sizeof(op), "PUNCH_HOLE memfd (reference), %s", kernel);
	row("4", "-", op, "1 GiB", m, GiB, ratio_m);
}

static const char *table_head =
	"| § | Domain | Operation | Size | Runs | Median | Min | Max | GiB/s (median) | Ratio (of medians) |\n"
	"|---|---|---|---|---|---|---|---|---|---|\n";

/* --idle: section 4 alone, with its samples for a later --base */
static int idle_only(void)
{
	struct idle v;

	bench_idle(&v);
	printf("%s", table_head);
	print_idle("this kernel", stats(v.gmem, v.n), stats(v.memfd, v.n),
		   "", "");
	printf("\n");
	print_samples("gmem", v.gmem, v.n);
	print_samples("memfd", v.memfd, v.n);
	return 0;
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

static const char *met(bool ok)
{
	return ok ? "met" : "missed";
}

static void check(const char *what, const char *verdict, const char *fmt,
		  ...)
{
	va_list ap;

	printf("- %s: **%s** (", what, verdict);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf(")\n");
}

/* The revoke target for one size and domain, see the targets' header */
static void check_revoke(const struct size_result *r, int d)
{
	const struct revoke *pg = &r->convert[CONV_PAGE];
	const struct revoke *all = &r->convert[CONV_ALL];
	char sz[32], what[112], punch[128] = "", a[32], b[32], c[32];
	double ratio = revoke_ratio(pg, d);

	fmt_size(r->size, sz, sizeof(sz));
	snprintf(what, sizeof(what),
		 "revoke no slower than 1.1x IOMMU_IOAS_UNMAP of the same range, %s, %s",
		 dom_name[d], sz);
	if (r->has_punch)
		snprintf(punch, sizeof(punch),
			 "; punch-hole: %.2fx, minus the unmapped punch-hole %.2fx",
			 r->punch.revoke[d].med / r->punch.unmap[d].med,
			 revoke_ratio(&r->punch, d));
	check(what, met(ratio <= 1.1),
	      "%.2fx: converting 1 page %s mapped, %s unmapped, UNMAP %s; converting it all: %.2fx%s",
	      ratio, fmt_time(pg->revoke[d].med, a, sizeof(a)),
	      fmt_time(pg->unmapped.med, b, sizeof(b)),
	      fmt_time(pg->unmap[d].med, c, sizeof(c)),
	      revoke_ratio(all, d), punch);
}

static void print_usage(void)
{
	fprintf(stderr,
		"usage: gmem_bench --idle | --idle-samples BASE PATCHED | --quick\n");
	exit(2);
}

/*
 * 1 GiB: four times the pages of 256 MiB, one source at a time, with
 * RUNS_1G instead of RUNS runs; estimate each part from the wall time of the
 * same part at 256 MiB, population included, and run the map/unmap part,
 * then the revoke by conversion, then the revoke by punch-hole (which
 * repopulates the range three times a run) as long as the sum of the
 * estimates stays within BUDGET_1G_NS.
 */
static void bench_1g(const struct size_result *r256, char *note, size_t size)
{
	double est_maps = 4 * r256->maps_ns * RUNS_1G / RUNS;
	double est_conv = 4 * r256->convert_ns * RUNS_1G / RUNS;
	double est_punch = 4 * r256->punch_ns * RUNS_1G / RUNS;
	long avail = mem_available_kib();
	struct size_result *r;
	struct source g;
	int len;

	if (avail < (long)(1536 * MiB / 1024)) {
		snprintf(note, size,
			 "1 GiB omitted: MemAvailable %ld KiB in the guest is below 1.5 GiB",
			 avail);
		return;
	}
	if (est_maps >= BUDGET_1G_NS) {
		snprintf(note, size,
			 "1 GiB omitted: its map/unmap part is estimated at %.0f s (4x the %.1f s at 256 MiB, scaled to %d runs), over the %.0f s budget",
			 est_maps / 1e9, r256->maps_ns / 1e9, RUNS_1G,
			 BUDGET_1G_NS / 1e9);
		return;
	}
	r = bench_maps(GiB, RUNS_1G, NULL, 0, &g);
	len = snprintf(note, size,
		       "1 GiB: %d runs, one source populated at a time; map/unmap part took %.1f s (estimated %.1f s)",
		       RUNS_1G, r->maps_ns / 1e9, est_maps / 1e9);
	if (est_maps + est_conv < BUDGET_1G_NS) {
		bench_convert(r, RUNS_1G);
		len += snprintf(note + len, size - len,
				", revoke by conversion %.1f s (estimated %.1f s)",
				r->convert_ns / 1e9, est_conv / 1e9);
	} else {
		len += snprintf(note + len, size - len,
				"; revoke by conversion omitted: estimated at %.0f s, which with the map/unmap part exceeds the %.0f s budget",
				est_conv / 1e9, BUDGET_1G_NS / 1e9);
		est_conv = 0;
	}
	if (est_maps + est_conv + est_punch < BUDGET_1G_NS) {
		bench_punch(r, &g, RUNS_1G);
		snprintf(note + len, size - len,
			 ", revoke by punch-hole %.1f s (estimated %.1f s)",
			 r->punch_ns / 1e9, est_punch / 1e9);
	} else {
		snprintf(note + len, size - len,
			 "; revoke by punch-hole omitted: estimated at %.0f s (4x the %.1f s at 256 MiB, scaled to %d runs; each run repopulates 1 GiB three times), which with the parts before exceeds the %.0f s budget",
			 est_punch / 1e9, r256->punch_ns / 1e9, RUNS_1G,
			 BUDGET_1G_NS / 1e9);
	}
	source_close(&g);
}

int main(int argc, char **argv)
{
	struct rlimit unlimited = { RLIM_INFINITY, RLIM_INFINITY };
	struct stat3 pg = { 0 }, pm = { 0 }, bg = { 0 }, bm = { 0 };
	double setup[3] = { 0 }, rp = 0, rb = 0, rn = 0, spread, t0, sect3_ns = 0;
	struct idle patched, base;
	char note_1g[1024] = "", ratio[96], ratio_m[64];
	int fd, vmfd, d, k, runs = RUNS;
	bool quick = false;
	struct source g, src64[NR_SRC], src256[NR_SRC];
	double pop_ns[2] = { 0 };
	FILE *f;

	setvbuf(stdout, NULL, _IOLBF, 0);
	/* The test init reserves hugetlb pages this benchmark does not use */
	f = fopen("/proc/sys/vm/nr_hugepages", "w");
	if (f) {
		fputs("0\n", f);
		fclose(f);
	}
	if (argc == 2 && !strcmp(argv[1], "--idle"))
		return idle_only();
	if (argc == 2 && !strcmp(argv[1], "--quick")) {
		/* A smoke run: sections 1 and 2 at 64 MiB, 5 runs */
		quick = true;
		runs = 5;
	} else if (argc != 4 || strcmp(argv[1], "--idle-samples")) {
		print_usage();
	} else {
		read_samples_file(argv[2], &base);
		read_samples_file(argv[3], &patched);
	}

	/* IOMMU_IOAS_MAP of anonymous memory is charged to RLIMIT_MEMLOCK */
	if (setrlimit(RLIMIT_MEMLOCK, &unlimited))
		die("setrlimit(RLIMIT_MEMLOCK)");
	ioas_setup(&dom[DOM_MOCK], true);
	ioas_setup(&dom[DOM_NONE], false);
	vtd_setup(&dom[DOM_VTD]);
	revoke_check(false);

	/*
	 * Populate the 64 MiB and 256 MiB sources first, on an allocator no
	 * part of the run has fragmented yet.  gmem's pages are unmovable, and
	 * the unmovable free lists are where the IOMMU page tables and slab of
	 * the maps, and gmem's own pages freed by the punch-holes, come back;
	 * populated after the 64 MiB parts, a 256 MiB gmem came in 16,436
	 * runs of physically contiguous pages, a 256 MiB memfd in 62.
	 */
	pop_ns[0] = sources_open(src64, 64 * MiB);
	if (!quick)
		pop_ns[1] = sources_open(src256, 256 * MiB);

	/* Sections 1 and 2 */
	bench_maps(64 * MiB, runs, src64, pop_ns[0], &g);
	bench_punch(&res[0], &g, runs);
	source_close(&g);
	bench_convert(&res[0], runs);
	if (quick)
		goto print;
	bench_maps(256 * MiB, RUNS, src256, pop_ns[1], &g);
	bench_punch(&res[1], &g, RUNS);
	source_close(&g);
	bench_convert(&res[1], RUNS);
	bench_1g(&res[1], note_1g, sizeof(note_1g));

	/* Section 3 */
	t0 = now_ns();
	fd = gmem_open(MAX_IMPORTERS * PAGE_SIZE, &vmfd);
	populate_file(fd, 0, MAX_IMPORTERS * PAGE_SIZE);
	for (k = 0; k < 3; k++)
		punch1[k] = bench_importers(fd, nimp[k], &setup[k]);
	if (close(fd) || close(vmfd))
		die("close");
	sect3_ns = now_ns() - t0;

	/* Sections 5 and 6 */
	bench_punch_page();
	bench_populate_page();

print:
	printf("%s", table_head);
	for (k = 0; k < nr_res; k++)
		print_size(&res[k]);
	for (k = 0; k < 3 && !quick; k++) {
		char op[64];

		snprintf(op, sizeof(op),
			 "PUNCH_HOLE 1 page, %d gmem importer%s", nimp[k],
			 nimp[k] > 1 ? "s" : "");
		snprintf(ratio, sizeof(ratio), "%.2fx time of 1 importer",
			 punch1[k].med / punch1[0].med);
		row("3", dom_name[DOM_MOCK], op, "4 KiB", punch1[k], 0, ratio);
	}
	for (k = 0; k < 2 && !quick; k++) {
		for (d = 0; d < NR_HW_DOM; d++) {
			char op[64];

			snprintf(op, sizeof(op),
				 "PUNCH_HOLE 1 page of a mapped %s area",
				 k ? "1 GiB" : "4 MiB");
			snprintf(ratio, sizeof(ratio),
				 "%.2fx time in the 4 MiB area",
				 punch_page[k][d].med / punch_page[0][d].med);
			row("5", dom_name[d], op, "4 KiB", punch_page[k][d], 0,
			    ratio);
		}
	}
	for (d = 0; d < NR_HW_DOM && !quick; d++) {
		snprintf(ratio, sizeof(ratio), "%.2fx time of MAP_FILE 1 page",
			 populate_page[d].med / map_page[d].med);
		row("6", dom_name[d],
		    "populate 1 punched page of a mapped 4 MiB area (fallocate)",
		    "4 KiB", populate_page[d], 0, ratio);
		row("6", dom_name[d], "IOMMU_IOAS_MAP_FILE 1 page of gmem",
		    "4 KiB", map_page[d], 0, "");
	}
	if (!quick) {
		pg = stats(patched.gmem, patched.n);
		pm = stats(patched.memfd, patched.n);
		bg = stats(base.gmem, base.n);
		bm = stats(base.memfd, base.n);
		rp = pg.med / pm.med;
		rb = bg.med / bm.med;
		rn = rp / rb;
		snprintf(ratio, sizeof(ratio),
			 "patched/base %.3fx; over memfd: %.3fx",
			 pg.med / bg.med, rn);
		snprintf(ratio_m, sizeof(ratio_m), "patched/base %.3fx",
			 pm.med / bm.med);
		print_idle("patched kernel (icount)", pg, pm, ratio, ratio_m);
		print_idle("base kernel (icount)", bg, bm, "", "");
	}

	printf("\nNotes:\n\n");
	if (quick)
		printf("- Quick run (--quick): sections 1 and 2 at 64 MiB only, %d runs; no 256 MiB, 1 GiB, section 3 nor 4.\n",
		       runs);
	else
		printf("- %s.\n", note_1g);
	for (k = 0; k < nr_res; k++) {
		char sz[32];

		printf("%s %s: map/unmap %.1f s",
		       k ? ";" : "- Wall time of the parts, population included:",
		       fmt_size(res[k].size, sz, sizeof(sz)),
		       res[k].maps_ns / 1e9);
		if (res[k].has_punch)
			printf(", revoke by punch-hole %.1f s",
			       res[k].punch_ns / 1e9);
		if (res[k].has_convert)
			printf(", revoke by conversion %.1f s",
			       res[k].convert_ns / 1e9);
	}
	if (quick)
		printf(".\n");
	else
		printf("; section 3 %.1f s.\n", sect3_ns / 1e9);
	printf("- Domains: mock is the iommufd selftest's mock domain (CONFIG_IOMMUFD_TEST); VT-d is QEMU's emulated Intel IOMMU, the domain of the edu device %s (vfio cdev %s) attached to its own IOAS; none is an IOAS without any domain. IOVA 0x%lx for every size, inside both apertures.\n",
	       dom[DOM_VTD].bdf, dom[DOM_VTD].cdev, (unsigned long)IOVA_BASE);
	printf("- Map into no domain: for gmem, MAP_FILE attaches an importer to the range (kvm_gmem_importer_attach() looks up, populates and registers every page) and writes no IOPTE, so gmem (mock) minus gmem (none) is the cost of filling the domain; for memfd, MAP_FILE with no domain pins nothing (pages are pinned when a domain is filled), so its row is the bare area set-up.\n");
	printf("- Section 2, revoke: each timed revoke is followed by IOMMU_TEST_OP_IOAS_CHECK_GMEM, which requires every punched or converted page of the range to be unmapped in the domain (iommu_iova_to_phys() == 0) and every other one to map its guest_memfd page, and the first map of each size and domain is checked to map the guest_memfd's pages. The punch-hole revoke times the whole fallocate(PUNCH_HOLE|KEEP_SIZE), which also frees the pages; the conversion revoke times KVM_SET_MEMORY_ATTRIBUTES(PRIVATE) over the software-protected VM's whole memslot, or over one page in its middle, which invalidates the importers that overlap it (the series does on conversion for SW_PROTECTED VMs) and frees nothing: the converted pages are unmapped, the rest of the area stays mapped, and once the attributes are stored the converted pages are mapped again (a software-protected VM lets importers map both states), so the time includes that populate, and the check after each conversion requires every page of the range to map its guest_memfd page. Each is followed by the same operation on the range not mapped; \"minus the unmapped row\" is (revoke - unmapped) / paired UNMAP, a difference of two medians. Each revoke kind has its own paired UNMAP, timed just before it in the same run.\n");
	printf("- The software-protected VM's guest_memfd is created with flags 0 (private), as in tests/e2e: this kernel offers GUEST_MEMFD_FLAG_INIT_SHARED only to VMs without private memory (kvm_arch_supports_gmem_init_shared(); KVM_CREATE_GUEST_MEMFD with GUEST_MEMFD_FLAG_MMAP|GUEST_MEMFD_FLAG_INIT_SHARED fails with EINVAL in a software-protected VM), and GUEST_MEMFD_FLAG_MMAP alone would not let private pages be written through a mapping; it is populated with fallocate() and bound to memslot 0 at GPA 0x%lx.\n",
	       PRIV_GPA);
	if (!quick)
		printf("- Section 3: creating the importers (untimed above; one MAP_FILE of one page each, into the mock domain) took %.2f ms, %.2f ms, %.2f ms in all for 1, 100, %d importers; the punched page is page n/2, its revoke is checked, and its importer is re-created (UNMAP + MAP_FILE, untimed) after each of the %d punches.\n",
	       setup[0] / 1e6, setup[1] / 1e6, setup[2] / 1e6, MAX_IMPORTERS,
	       PUNCH_RUNS);
	if (!quick)
		printf("- Section 4 comes from two other QEMU boots of the same binary (gmem_bench --idle, right after boot), one of the patched kernel and one of the unpatched base, both with -accel tcg,thread=single -icount shift=0,sleep=off: the guest clock advances 1 ns per guest instruction executed, so its times are guest instruction counts (interrupts included), which the host's load does not change, and the two boots can be compared. The gmem ratio is also given over each boot's memfd reference (shmem is not touched by the series): (gmem/memfd patched) / (gmem/memfd base). Spread (max/min - 1) of the gmem runs: patched %.1f%%, base %.1f%%; of memfd: patched %.1f%%, base %.1f%%.\n",
	       100 * (pg.max / pg.min - 1), 100 * (bg.max / bg.min - 1),
	       100 * (pm.max / pm.min - 1), 100 * (bm.max / bm.min - 1));
	printf("- anon (THP) is backed by 2 MiB folios (CONFIG_TRANSPARENT_HUGEPAGE_ALWAYS), which iommufd pins and maps in large runs; memfd and gmem are 4 KiB folios (shmem THP never), so compare them with anon (MADV_NOHUGEPAGE), populated by writes instead of MAP_POPULATE.\n");
	printf("- The test kernel's check that guest_memfd revokes an area before it frees its pages (at each revoke, a walk of every IOPTE of the area; IOMMUFD_TEST only) is turned off for the run (IOMMU_TEST_OP_GMEM_REVOKE_CHECK), so that the revoke rows time the revoke alone.\n");
	printf("- gmem is not pinned nor accounted (its pages are read through its guest_memfd importer); memfd and anon are pinned and charged at MAP, unpinned at UNMAP, which is most of the UNMAP difference.\n");
	printf("- PFN runs (\"N PFN runs\" in the section 1 rows): after a source is populated, and before its timed maps, the range is read through /proc/self/pagemap (gmem and memfd through a new shared mapping, faulted in by reads, which allocates nothing) and its maximal runs of physically contiguous pages (pfn[i + 1] == pfn[i] + 1) counted; again after the timed maps, given in parentheses if the count changed. iommufd merges contiguous PFNs into one batch entry (batch_add_pfn()) and maps each entry with one iommu_map() call, so with equal pages the map time grows with the runs, whatever the source. A descending step (pfn[i + 1] == pfn[i] - 1) is a break: the allocator hands out the pages it got back last first.\n");
	printf("- Contiguity is not the source's doing, and populating the two in interleaved order does not make it equal: gmem folios are allocated GFP_HIGHUSER (guest_memfd's mapping gfp), from the unmovable free lists, memfd's GFP_HIGHUSER_MOVABLE, from the movable ones, so each gets what its own lists hold at the time (tried at 64 MiB: memfd stayed in 22 runs, gmem fell to 16378, single pages in descending order). So all the 64 MiB and 256 MiB sources are populated first, right after boot and before any map, each on an allocator the run has not fragmented yet; the 1 GiB ones, which do not fit beside them, one at a time after the 256 MiB parts. The map ratios per PFN run below, and next to the map targets, set the two sources on equal terms for the per-iommu_map() part of the cost; the per-page part (the gmem lookup or the pin, batch_add_pfn()) is in the time per page.\n");
	for (k = 0; k < nr_res; k++)
		print_runs_note(&res[k]);

	printf("\nTargets (from the issue; medians of this run). The revoke target is judged on the conversion of one page of the mapped range, which unmaps that page and frees nothing: (that conversion - the same conversion of the unmapped range) / IOMMU_IOAS_UNMAP of the whole range. The conversion of the whole range and the punch-hole are given for reference: their own cost (the conversion of every page, the freeing of every page) is 10 to 40 times that of UNMAP, so their difference to the unmapped operation is within the noise. The map target is judged on the raw ratio of the medians; next to it, the ratio per PFN run ((memfd time / memfd runs) / (gmem time / gmem runs)), which explains it when the two sources are not equally contiguous. The idle-registry target is judged on the ratio of the gmem medians of the two boots, and is \"not resolved\" when the memfd reference, which the series does not touch, differs between the boots by more than the 2%% asked, or when the gmem runs of either boot spread (max/min - 1) by more than 4%%: 11 runs that far apart cannot resolve 2%%. What the series adds to a punch-hole with no importer is one mutex lock and unlock and one lookup in an empty interval tree, once per call, whatever the size of the range.\n\n");
	for (k = 0; k < nr_res; k++) {
		for (d = 0; d < NR_HW_DOM; d++) {
			char sz[32], what[96];
			double r = res[k].map[d][SRC_MEMFD].med /
				   res[k].map[d][SRC_GMEM].med;

			fmt_size(res[k].size, sz, sizeof(sz));
			snprintf(what, sizeof(what),
				 "gmem MAP_FILE >= 1.2x memfd MAP_FILE, %s, %s",
				 dom_name[d], sz);
			check(what, met(r >= 1.2),
			      "%.2fx; per PFN run %.2fx, gmem %ld runs, memfd %ld",
			      r, per_run_ratio(&res[k], d),
			      res[k].runs[SRC_GMEM].runs,
			      res[k].runs[SRC_MEMFD].runs);
		}
	}
	/*
	 * gmem's time in a domain is its time with no domain (attaching: the
	 * lookup of every page) plus the filling of the domain (the IOPTEs,
	 * which cost the same for every source of equally contiguous 4 KiB
	 * pages).  Even with attaching free, gmem cannot beat memfd by more
	 * than memfd / filling: the bound given with the 2x goal.
	 */
	for (k = 0; k < nr_res; k++) {
		for (d = 0; d < NR_HW_DOM; d++) {
			double memfd = res[k].map[d][SRC_MEMFD].med;
			double gmem = res[k].map[d][SRC_GMEM].med;
			double fill = gmem - res[k].map[DOM_NONE][SRC_GMEM].med;
			char sz[32], what[96];

			fmt_size(res[k].size, sz, sizeof(sz));
			snprintf(what, sizeof(what),
				 "goal: gmem MAP_FILE >= 2x memfd MAP_FILE, %s, %s",
				 dom_name[d], sz);
			check(what, met(memfd >= 2 * gmem),
			      "%.2fx; bound with attaching free: memfd / (gmem - gmem in no domain) = %.2fx; anon 4 KiB pages (MADV_NOHUGEPAGE) %.2fx of gmem's time",
			      memfd / gmem, memfd / fill,
			      res[k].map[d][SRC_ANON_4K].med / gmem);
		}
	}
	for (k = 0; k < nr_res; k++)
		for (d = 0; d < NR_HW_DOM && res[k].has_convert; d++)
			check_revoke(&res[k], d);
	if (quick)
		return 0;
	spread = (pg.max / pg.min > bg.max / bg.min ? pg.max / pg.min :
		  bg.max / bg.min) - 1;
	check("idle-registry overhead on a 1 GiB punch-hole within 2% of the base kernel",
	      fabs(pm.med / bm.med - 1) > 0.02 || spread > 0.04 ?
	      "not resolved" : met(pg.med <= 1.02 * bg.med),
	      "patched/base %.3fx, of the minimums %.3fx; over each boot's memfd %.3fx; memfd, which the series does not touch, ran %.3fx as long on the patched boot as on the base one; the gmem runs of one boot spread by up to %.0f%%",
	      pg.med / bg.med, pg.min / bg.min, rn, pm.med / bm.med,
	      spread * 100);
	for (d = 0; d < NR_HW_DOM; d++)
		check(d == DOM_MOCK ?
		      "one-page punch-hole in a mapped 1 GiB area within 1.2x of one in a mapped 4 MiB area, mock" :
		      "one-page punch-hole in a mapped 1 GiB area within 1.2x of one in a mapped 4 MiB area, VT-d",
		      met(punch_page[1][d].med <= 1.2 * punch_page[0][d].med),
		      "%.2fx", punch_page[1][d].med / punch_page[0][d].med);
	for (d = 0; d < NR_HW_DOM; d++)
		check(d == DOM_MOCK ?
		      "one-page populate within 2x of a one-page IOMMU_IOAS_MAP_FILE, mock" :
		      "one-page populate within 2x of a one-page IOMMU_IOAS_MAP_FILE, VT-d",
		      met(populate_page[d].med <= 2 * map_page[d].med),
		      "%.2fx", populate_page[d].med / map_page[d].med);
	check("one-page invalidation with 10,000 importers within 2x of one importer",
	      met(punch1[2].med <= 2 * punch1[0].med), "%.2fx",
	      punch1[2].med / punch1[0].med);
	return 0;
}
