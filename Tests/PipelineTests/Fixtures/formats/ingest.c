#include <stdio.h>
#include <stdlib.h>

static int count_lines(FILE *in) {
    int lines = 0;
    int c;
    while ((c = fgetc(in)) != EOF) {
        if (c == '\n') lines++;
    }
    return lines;
}

int main(int argc, char **argv) {
    printf("%d\n", count_lines(stdin));
    return 0;
}
