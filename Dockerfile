FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 UV_PROJECT_ENVIRONMENT=/opt/venv PATH=/opt/venv/bin:$PATH
RUN pip install --no-cache-dir uv==0.13.9
WORKDIR /app
COPY pyproject.toml uv.lock ./
RUN uv sync --frozen --no-dev
COPY . .
RUN useradd --system --home /app socialdesk && mkdir -p /app/var && chown socialdesk /app/var
USER socialdesk
EXPOSE 8000
CMD ["gunicorn", "socialdesk.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3"]
