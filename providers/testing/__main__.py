import argparse

from providers.testing.server import run


def main() -> None:
    parser = argparse.ArgumentParser(description="Serve fake AI provider APIs for offline development and tests.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--http", default="h11", choices=["h11", "httptools"], help="httptools is cheaper")
    args = parser.parse_args()
    run(args.host, args.port, http=args.http)


if __name__ == "__main__":
    main()
