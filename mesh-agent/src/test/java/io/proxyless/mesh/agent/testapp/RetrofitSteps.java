package io.proxyless.mesh.agent.testapp;

import java.io.IOException;
import java.util.Map;
import java.util.TreeMap;
import okhttp3.ResponseBody;
import retrofit2.Call;
import retrofit2.Response;
import retrofit2.Retrofit;
import retrofit2.http.GET;
import retrofit2.http.Header;
import retrofit2.http.Path;

/**
 * Retrofit steps of {@link PlainApp}: {@code retrofit|N|BASE_URL[|end-user]} makes N calls of
 * {@code GET reviews/1} through a Retrofit service whose OkHttp client Retrofit builds itself.
 */
final class RetrofitSteps {
    /** The application's API, as a Retrofit codebase declares it. */
    interface Reviews {
        @GET("reviews/{id}")
        Call<ResponseBody> get(@Path("id") String id, @Header("end-user") String user);
    }

    private RetrofitSteps() {
    }

    static Map<String, Integer> run(String[] step) {
        Reviews reviews = new Retrofit.Builder().baseUrl(step[2]).build().create(Reviews.class);
        String user = step.length > 3 ? step[3] : null;
        Map<String, Integer> outcomes = new TreeMap<>();
        for (int i = 0, n = Integer.parseInt(step[1]); i < n; i++) {
            String outcome;
            try {
                Response<ResponseBody> response = reviews.get("1", user).execute();
                try (ResponseBody body = response.isSuccessful() ? response.body() : response.errorBody()) {
                    outcome = response.isSuccessful() ? body.string() : "status" + response.code();
                }
            } catch (IOException e) {
                outcome = "!" + e.getClass().getSimpleName();
            }
            outcomes.merge(outcome, 1, Integer::sum);
        }
        return outcomes;
    }
}
