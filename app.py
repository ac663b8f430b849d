"""`python app.py` = `landinfo serve`, every setting from the LANDINFO_* environment."""
import sys

from landinfo.cli import main

if __name__ == "__main__":
    sys.exit(main(["serve", *sys.argv[1:]]))
