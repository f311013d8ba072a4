package dev.quarry;

/**
 * An option value that cannot work with the data it is applied to, found only once the data is open
 * (e.g. {@code --range-max} beyond the corpus size). The command line maps it to exit code 2, like
 * any other usage error; the message names the option.
 */
public class QuarryUsageException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    public QuarryUsageException(String message) {
        super(message);
    }
}
