# synthlens on a GPU: the same `make setup` / `make reproduce` as on a laptop and in CI, from the
# same requirements.lock, inside a CUDA runtime image. Use the Makefile's targets (docs/container.md):
#
#   make docker-build                  # CUDA 13 build: host driver 580 or newer
#   make docker-build CUDA=12 TORCH_INDEX_URL=<PyTorch's cu126 wheel index>   # driver 525 or newer
#   make docker-download PROFILE=paper # fill the HF volume (network; HF_TOKEN passed by name)
#   make docker-reproduce              # offline; results copied back into the checkout
#   make docker-gpu-check              # the gpu tests and a short bench-gpu
#
# Two CUDA builds, chosen by build arguments (the Makefile's CUDA=13|12 sets all four):
# - CUDA 13 (default): torch==2.13.0 as requirements.lock pins it, from PyPI, which is built
#   against CUDA 13.0: its wheel requires cuda-toolkit==13.0.3 and nvidia-cudnn-cu13, and pip
#   installs those CUDA libraries into the venv. The image only has to match the CUDA major
#   version. CUDA 13 needs the R580 driver or newer on the host.
# - CUDA 12 (TORCH_CUDA=cu126): the same torch version built for CUDA 12.6 (2.13.0+cu126), which
#   is not on PyPI: it comes from PyTorch's own wheel index, given as TORCH_INDEX_URL (an extra
#   index for pip) and forced by a pip constraint torch==<lock version>+cu126, so the build fails
#   rather than fall back to PyPI's CUDA 13 wheel. CUDA 12's minor-version compatibility lets it
#   run on any R525 driver or newer (the 535-570 drivers of many H100 hosts). Not verified here:
#   that PyTorch publishes 2.13.0+cu126 (no index could be reached while writing this).
# NVIDIA_REQUIRE_CUDA=cuda>=CUDA_REQUIRE (13.0, or 12.0) is set explicitly: the NVIDIA container
# runtime compares it with the host driver's CUDA version and refuses an older driver at
# `docker run`, in one line, not midway through the pipeline. It replaces the base image's value,
# whose brand=... clauses admit older drivers through forward compatibility, which pip's CUDA
# libraries are not set up for. After `make setup` the build checks that the torch it installed
# is built for the CUDA major version of the base image.
# "runtime", not "cudnn-runtime": cuDNN comes with the torch wheel, a second copy in the image
# would add about a gigabyte for nothing. Ubuntu 22.04 rather than 24.04: 24.04 has a uid 1000
# user already and no Python 3.11 package at all.
# Digest: not pinned here, because it could not be read from the registry while writing this file
# (no access to Docker Hub) and a digest copied from a third party is not one to trust. Pin it with
#   docker buildx imagetools inspect nvidia/cuda:13.0.2-runtime-ubuntu22.04
# (the "Digest:" line, the multi-platform index) and append it as FROM ...@sha256:<digest>.
ARG CUDA_VERSION=13.0.2
FROM nvidia/cuda:${CUDA_VERSION}-runtime-ubuntu22.04

SHELL ["/bin/bash", "-o", "pipefail", "-c"]
ARG DEBIAN_FRONTEND=noninteractive

# The CUDA build (see the top): a combination that cannot work stops the build here, in one line.
ARG CUDA_VERSION
ARG CUDA_REQUIRE=13.0
ARG TORCH_CUDA=
ARG TORCH_INDEX_URL=
ENV NVIDIA_REQUIRE_CUDA="cuda>=${CUDA_REQUIRE}"
RUN major="${CUDA_VERSION%%.*}"; \
    if [ "${CUDA_REQUIRE%%.*}" != "${major}" ]; then \
        echo "CUDA_REQUIRE=${CUDA_REQUIRE} is not CUDA ${major} (CUDA_VERSION=${CUDA_VERSION})" >&2; exit 1; \
    elif [ -z "${TORCH_CUDA}" ] && [ "${major}" != 13 ]; then \
        echo "CUDA_VERSION=${CUDA_VERSION}: PyPI's torch is built for CUDA 13; set TORCH_CUDA (cu126) and TORCH_INDEX_URL" >&2; exit 1; \
    elif [ -n "${TORCH_CUDA}" ] && [ "${TORCH_CUDA#cu"${major}"}" = "${TORCH_CUDA}" ]; then \
        echo "TORCH_CUDA=${TORCH_CUDA} is not a CUDA ${major} build (CUDA_VERSION=${CUDA_VERSION})" >&2; exit 1; \
    elif [ -n "${TORCH_CUDA}" ] && [ -z "${TORCH_INDEX_URL}" ]; then \
        echo "TORCH_CUDA=${TORCH_CUDA} needs TORCH_INDEX_URL, PyTorch's wheel index for ${TORCH_CUDA}" >&2; exit 1; \
    fi

# Python 3.11 from the deadsnakes PPA. Ubuntu 22.04's own python3.11 (universe, jammy-updates) is
# 3.11.0~rc1, a release candidate; deadsnakes ships the current 3.11 patch release. The PPA key is
# fetched by its full fingerprint and the build stops unless the keyring holds exactly that key.
ARG DEADSNAKES_KEY=F23C5A6CF475977595C89F51BA6932366A755776
# Package versions are not pinned (DL3008): the Ubuntu archive and the PPA keep only the newest
# build of each package, so an exact version pin stops building as soon as a security update
# lands. What must be reproducible, the Python packages, is pinned in requirements.lock.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates curl gnupg \
    && curl -fsSL "https://keyserver.ubuntu.com/pks/lookup?op=get&options=mr&search=0x${DEADSNAKES_KEY}" \
        | gpg --dearmor -o /usr/share/keyrings/deadsnakes.gpg \
    && test "$(gpg --show-keys --with-colons /usr/share/keyrings/deadsnakes.gpg \
        | awk -F: '$1 == "pub" { getline; print $10 }')" = "${DEADSNAKES_KEY}" \
    && echo "deb [signed-by=/usr/share/keyrings/deadsnakes.gpg] https://ppa.launchpadcontent.net/deadsnakes/ppa/ubuntu jammy main" \
        > /etc/apt/sources.list.d/deadsnakes.list \
    && apt-get update \
    && apt-get install -y --no-install-recommends python3.11 python3.11-venv make git \
    && apt-get clean \
    && rm -rf /var/lib/apt/lists/*

# A non-root user. The uid/gid are build arguments so that files written to bind mounts (a host
# HF cache) belong to the user who built the image: `make docker-build` passes the caller's uid
# (under sudo the invoking user's, as root the checkout owner's, else 1000). Results never need a
# writable bind mount: `make docker-reproduce` copies them out with `docker cp`, as the caller.
# (Not named UID: bash treats UID as read-only and would expand it to the build user's 0.)
ARG USER_UID=1000
ARG USER_GID=1000
RUN test "${USER_UID}" -ne 0 \
    && groupadd --non-unique --gid "${USER_GID}" synthlens \
    && useradd --no-log-init --non-unique --create-home --uid "${USER_UID}" --gid "${USER_GID}" \
        --shell /bin/bash synthlens \
    && mkdir -p /home/synthlens/app /cache/hf /cache/dvc \
    && chown synthlens:synthlens /home/synthlens/app /cache/hf /cache/dvc

# Numeric, so that the runtime (and Kubernetes' runAsNonRoot) can tell it is not root without
# reading the image's /etc/passwd.
USER ${USER_UID}:${USER_GID}
WORKDIR /home/synthlens/app
ENV HF_HOME=/cache/hf \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONUNBUFFERED=1

# Dependencies first, with the Make target and lock file that CI uses (`make test` depends on
# `make setup`), so that editing the pipeline code or params.yaml does not reinstall torch.
COPY --chown=synthlens:synthlens Makefile requirements.lock pyproject.toml ./
COPY --chown=synthlens:synthlens src/ src/
# The CUDA 12 build: the same torch version from TORCH_INDEX_URL (pip's environment variables, so
# `make setup` stays the one recipe), pinned to its +cu1xx build by a constraint.
RUN if [ -n "${TORCH_CUDA}" ]; then \
        echo "torch==$(sed -n 's/^torch==//p' requirements.lock)+${TORCH_CUDA}" > /tmp/torch-build.txt; \
        export PIP_EXTRA_INDEX_URL="${TORCH_INDEX_URL}" PIP_CONSTRAINT=/tmp/torch-build.txt; \
    fi \
    && make setup PYTHON=python3.11 \
    && .venv/bin/python -c 'import sys, torch; cuda = torch.version.cuda or "none"; \
sys.exit(0 if cuda.split(".")[0] == sys.argv[1] else \
f"torch {torch.__version__} is built for CUDA {cuda}, the image for CUDA {sys.argv[1]}")' \
        "${CUDA_VERSION%%.*}"

# vLLM, optional: `make docker-build WITH_VLLM=1` (docker build --build-arg WITH_VLLM=1). It goes
# into its own venv, .venv-vllm, through the Makefile's setup-vllm: every vllm release pins its
# own torch (vllm 0.33.0: torch==2.14.0), and installing it into .venv would replace the torch
# 2.13.0 that requirements.lock pins for the whole pipeline. Run it as a server
# (`.venv-vllm/bin/vllm serve <model>`) for the openai backend. Off by default: the hf backend
# needs none of it, and it adds several gigabytes. Before `COPY . .`, so code edits keep it.
ARG WITH_VLLM=0
ARG VLLM_VERSION=0.33.0
RUN if [ "${WITH_VLLM}" = 1 ]; then \
        make setup-vllm PYTHON=python3.11 VLLM_VERSION="${VLLM_VERSION}"; \
    elif [ "${WITH_VLLM}" != 0 ]; then \
        echo "WITH_VLLM must be 0 or 1, not '${WITH_VLLM}'" >&2; exit 1; \
    fi

COPY --chown=synthlens:synthlens . .

# DVC inside the image: .git is not copied (.dockerignore), so DVC runs without an SCM
# (core.no_scm), and its cache goes to /cache/dvc. DVC takes the cache location from its config,
# not from an environment variable, so it is written to .dvc/config.local, which the repository's
# .dvc/.gitignore already ignores. The cache holds the run-cache too: a container started against
# the same /cache/dvc volume restores unchanged stages instead of recomputing them.
RUN .venv/bin/dvc config --local core.no_scm true \
    && .venv/bin/dvc cache dir --local /cache/dvc

# /cache/hf: Hugging Face hub and datasets (HF_HOME; the paper profile's models and data, or a
# pre-filled cache for offline runs). /cache/dvc: DVC cache and run-cache.
VOLUME ["/cache/hf", "/cache/dvc"]

CMD ["make", "reproduce"]
