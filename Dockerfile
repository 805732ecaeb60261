# synthlens on a GPU: the same `make setup` / `make reproduce` as on a laptop and in CI, from the
# same requirements.lock, inside a CUDA runtime image.
#
#   docker build -t synthlens .
#   docker run --rm --gpus all -v synthlens-hf:/cache/hf -v synthlens-dvc:/cache/dvc synthlens
#
# Base image. torch==2.13.0 from PyPI (what requirements.lock pins) is built against CUDA 13.0:
# its wheel requires cuda-toolkit==13.0.3 and nvidia-cudnn-cu13, and pip installs those CUDA
# libraries into the venv. The image therefore only has to match the CUDA major version; it also
# sets NVIDIA_REQUIRE_CUDA=cuda>=13.0, so the NVIDIA container runtime refuses a host driver that
# is too old for CUDA 13 (the R580 driver or newer) at `docker run`, not midway through the
# pipeline. "runtime", not "cudnn-runtime": cuDNN comes with the torch wheel, a second copy in the
# image would add about a gigabyte for nothing. Ubuntu 22.04 rather than 24.04: 24.04 has a uid
# 1000 user already and no Python 3.11 package at all.
# Digest: not pinned here, because it could not be read from the registry while writing this file
# (no access to Docker Hub) and a digest copied from a third party is not one to trust. Pin it with
#   docker buildx imagetools inspect nvidia/cuda:13.0.2-runtime-ubuntu22.04
# (the "Digest:" line, the multi-platform index) and append it as FROM ...@sha256:<digest>.
FROM nvidia/cuda:13.0.2-runtime-ubuntu22.04

SHELL ["/bin/bash", "-o", "pipefail", "-c"]
ARG DEBIAN_FRONTEND=noninteractive

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

# A non-root user. The uid/gid are build arguments so that files written to bind mounts (results
# copied out, a host HF cache) belong to the user who built the image: --build-arg USER_UID=$(id -u).
# (Not named UID: bash treats UID as read-only and would expand it to the build user's 0.)
ARG USER_UID=1000
ARG USER_GID=1000
RUN test "${USER_UID}" -ne 0 \
    && groupadd --non-unique --gid "${USER_GID}" synthlens \
    && useradd --no-log-init --create-home --uid "${USER_UID}" --gid "${USER_GID}" \
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
RUN make setup PYTHON=python3.11

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
